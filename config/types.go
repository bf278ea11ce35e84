package config

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written as "5s", "1m30s" in YAML.
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("%q is not a duration (write it like 5s, 500ms or 2m)", n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalJSON writes the duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// Redacted is what a secret prints as.
const Redacted = "***"

// Secret is a password or API key. It prints, logs and serialises as "***"; only Value
// returns the secret itself.
type Secret string

// Value returns the secret.
func (s Secret) Value() string { return string(s) }

// String returns "***" for a set secret and "" for an empty one.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return Redacted
}

// GoString keeps %#v from printing the secret.
func (s Secret) GoString() string { return fmt.Sprintf("%q", s.String()) }

// MarshalYAML redacts.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalJSON redacts.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText redacts (for encoders that use encoding.TextMarshaler).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText keeps the secret (MarshalText's redaction must not hide the decoder).
func (s *Secret) UnmarshalText(b []byte) error { *s = Secret(b); return nil }

// SecretURL is a connection URL that may carry a password. It prints with the password
// replaced by "***"; Value returns it whole.
type SecretURL string

// Value returns the URL with its password.
func (s SecretURL) Value() string { return string(s) }

// String returns the URL with any password redacted.
func (s SecretURL) String() string { return RedactURL(string(s)) }

// GoString keeps %#v from printing the password.
func (s SecretURL) GoString() string { return fmt.Sprintf("%q", s.String()) }

// MarshalYAML redacts.
func (s SecretURL) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalJSON redacts.
func (s SecretURL) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText redacts.
func (s SecretURL) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText keeps the URL whole.
func (s *SecretURL) UnmarshalText(b []byte) error { *s = SecretURL(b); return nil }

var kvPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// RedactURL replaces the password in a URL (or a libpq key=value DSN) with "***". A URL
// net/url cannot parse keeps everything but its password (redactUnparsed); any other
// string it cannot parse is redacted whole.
func RedactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.User == nil && strings.Contains(raw, "@")) {
		// Unparsable, or an "@" net/url did not take for a userinfo (a "#" in the
		// password makes the rest a fragment): the password is still in there.
		return redactUnparsed(raw)
	}
	if u.Scheme == "" {
		if kvPassword.MatchString(raw) {
			return kvPassword.ReplaceAllString(raw, "${1}"+Redacted)
		}
		return raw
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), Redacted)
		}
	}
	q := u.Query()
	changed := false
	for k := range q {
		switch k {
		case "password", "api_key", "apikey", "token":
			q.Set(k, Redacted)
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	out := u.String()
	// url.String escapes the asterisks of the redaction; put them back for readability.
	return regexpStars.ReplaceAllString(out, Redacted)
}

var regexpStars = regexp.MustCompile(`%2A%2A%2A`)
