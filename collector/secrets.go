package collector

import "net/url"

// urlPassword returns the password of a URL, or "" (for scrubbing error messages).
func urlPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}
