package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// NormalizeDSN turns a SQLAlchemy URL (postgresql+asyncpg://…) into one pgx accepts: the
// driver suffix is removed, and a password written as SQLAlchemy reads it (everything
// between the first ":" and the first "@", with percent-escapes decoded) is
// percent-encoded, so a "#", "?" or "/" in it no longer cuts the URL short. A key=value
// DSN and a URL without credentials are returned as they are.
func NormalizeDSN(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	if base, _, hasDriver := strings.Cut(scheme, "+"); hasDriver {
		scheme = base
	}
	return scheme + "://" + encodeUserinfo(rest)
}

// encodeUserinfo re-encodes the user:password@ part of a URL's rest (after "://").
func encodeUserinfo(rest string) string {
	at := strings.IndexByte(rest, '@')
	if at < 0 {
		return rest
	}
	user, pass, hasPass := strings.Cut(rest[:at], ":")
	if strings.ContainsAny(user, "/?#") {
		return rest // the "@" is not in a userinfo (SQLAlchemy: the user name has no "/")
	}
	u, err := url.PathUnescape(user)
	if err != nil {
		return rest
	}
	if !hasPass {
		return url.User(u).String() + rest[at:]
	}
	p, err := url.PathUnescape(pass)
	if err != nil {
		return rest // a stray "%": DSNProblem says so
	}
	return url.UserPassword(u, p).String() + rest[at:]
}

// DSNProblem says what is wrong with a postgres URL, never quoting the password, or ""
// when pgx can read it. A key=value DSN is left to the driver.
func DSNProblem(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return ""
	}
	base, _, _ := strings.Cut(scheme, "+")
	if base != "postgres" && base != "postgresql" {
		return fmt.Sprintf("the scheme %q is not postgres:// or postgresql://", CleanScheme(scheme))
	}
	if at := strings.IndexByte(rest, '@'); at >= 0 {
		if _, pass, has := strings.Cut(rest[:at], ":"); has {
			if _, err := url.PathUnescape(pass); err != nil {
				return "the password has a % that does not start a percent-escape: write % as %25"
			}
		}
		if strings.Contains(rest[at+1:], "@") {
			return `the URL has more than one "@": percent-encode an "@" in the password as %40`
		}
	}
	u, err := url.Parse(NormalizeDSN(dsn))
	if err != nil {
		return `the host, port or database after the "@" is not valid (host:port/database); ` +
			`a password with "#", "?", "/", "@" or "%" must percent-encode them (# as %23, @ as %40, % as %25)`
	}
	if u.Host == "" && !strings.Contains(u.RawQuery, "host=") {
		return "no host (postgresql://user:password@host:5432/database)"
	}
	return ""
}

// CleanScheme shortens a URL scheme for a message (it is never a secret, but may be junk).
func CleanScheme(s string) string {
	if len(s) > 20 {
		s = s[:20] + "…"
	}
	return s
}

var queryCredential = regexp.MustCompile(`(?i)([?&](?:password|api_key|apikey|token)=)[^&#]*`)

// redactUnparsed redacts a URL that net/url cannot parse: the password is everything
// between the first ":" after the scheme and the last "@" (so a password holding "@" is
// hidden whole), and credential query values are replaced. A URL with no "@" carries no
// password and keeps its text.
func redactUnparsed(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		if kvPassword.MatchString(raw) {
			return kvPassword.ReplaceAllString(raw, "${1}"+Redacted)
		}
		return Redacted
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		if user, _, has := strings.Cut(rest[:at], ":"); has {
			rest = user + ":" + Redacted + rest[at:]
		}
	}
	return queryCredential.ReplaceAllString(scheme+"://"+rest, "${1}"+Redacted)
}
