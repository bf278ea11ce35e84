package feed

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// redactedMark replaces a credential in a logged URL.
const redactedMark = "***"

// credentialWords are the parts of a query parameter name that mark its value as a
// credential: api_key, apikey, key, access_token, password, secret, auth, sig….
var credentialWords = []string{"key", "token", "pass", "pwd", "secret", "auth", "sig", "cred", "session", "cookie"}

// looksLikeCredential reports whether a query parameter's name suggests a secret value.
func looksLikeCredential(name string) bool {
	n := strings.ToLower(name)
	for _, w := range credentialWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// logURL is a request's URL as the feed logs it: the path, then each query parameter
// with its value replaced by *** when the name looks like a credential or the value
// contains a configured secret. The raw query is never logged: a key sent under a name
// hsi-top does not know (?apikey=, &key=, or glued to another value as in
// ?time_range=5m?api_key=KEY) is still hidden, because '?' separates parameters here
// too and any value holding a secret is replaced whatever its name.
func (s *Server) logURL(r *http.Request) string {
	if r.URL == nil {
		return ""
	}
	path := s.redactSecrets(r.URL.EscapedPath())
	raw := r.URL.RawQuery
	if raw == "" && !r.URL.ForceQuery {
		return path
	}
	var b strings.Builder
	b.WriteString(path)
	b.WriteByte('?')
	parts := strings.FieldsFunc(raw, func(c rune) bool { return c == '&' || c == ';' || c == '?' })
	for i, part := range parts {
		if i > 0 {
			b.WriteByte('&')
		}
		name, value, hasValue := strings.Cut(part, "=")
		dname, err := url.QueryUnescape(name)
		if err != nil {
			dname = name
		}
		dvalue, err := url.QueryUnescape(value)
		if err != nil {
			dvalue = value
		}
		if s.holdsSecret(dname) || s.holdsSecret(name) {
			b.WriteString(redactedMark)
			if hasValue {
				b.WriteString("=" + redactedMark)
			}
			continue
		}
		b.WriteString(url.QueryEscape(dname))
		if !hasValue {
			continue
		}
		b.WriteByte('=')
		if looksLikeCredential(dname) || s.holdsSecret(dvalue) || s.holdsSecret(value) {
			b.WriteString(redactedMark)
		} else {
			b.WriteString(url.QueryEscape(dvalue))
		}
	}
	return b.String()
}

// holdsSecret reports whether v contains one of the configured secrets (the API key
// and the services' keys and passwords given in Options.Secrets).
func (s *Server) holdsSecret(v string) bool {
	if v == "" {
		return false
	}
	for _, sec := range s.secrets {
		if strings.Contains(v, sec) {
			return true
		}
	}
	return false
}

// redactSecrets replaces every configured secret in v with ***.
func (s *Server) redactSecrets(v string) string {
	for _, sec := range s.secrets {
		v = strings.ReplaceAll(v, sec, redactedMark)
		if esc := url.PathEscape(sec); esc != sec {
			v = strings.ReplaceAll(v, esc, redactedMark)
		}
	}
	return v
}

// minSecretLen is the shortest configured secret the log redaction looks for: a
// one- or two-character "secret" would blank ordinary words of every logged URL.
const minSecretLen = 3

// secretList is the API key and the extra secrets, deduplicated, without the empty and
// very short ones, longest first (so that a secret containing another is replaced whole).
func secretList(apiKey string, extra []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range append([]string{apiKey}, extra...) {
		if len(v) < minSecretLen || seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, v)
	}
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}
