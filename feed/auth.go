package feed

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
)

// keyOK compares key with the configured API key in constant time. Both are hashed
// first so that the comparison does not reveal the key's length either.
func (s *Server) keyOK(key string) bool {
	if !s.hasKey {
		return true
	}
	if key == "" {
		return false
	}
	h := sha256.Sum256([]byte(key))
	return subtle.ConstantTimeCompare(h[:], s.keyHash[:]) == 1
}

// restKey returns the API key a REST request carries: ?api_key=, X-API-Key, or
// Authorization: Bearer.
func restKey(r *http.Request) string {
	if k := r.URL.Query().Get("api_key"); k != "" {
		return k
	}
	return headerKey(r)
}

// headerKey returns the key of an X-API-Key header or of Authorization: Bearer, the
// forms a reverse proxy can add (nginx proxy_set_header) for a page that cannot.
func headerKey(r *http.Request) string {
	if k := strings.TrimSpace(r.Header.Get("X-API-Key")); k != "" {
		return k
	}
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// wsKey returns the API key a socket's upgrade request carries: ?api_key=, the
// api-key.KEY subprotocol (proto, as offeredKeyProtocol found it), X-API-Key or
// Authorization: Bearer, the first present in that order.
func wsKey(r *http.Request, proto string) string {
	if k := r.URL.Query().Get("api_key"); k != "" {
		return k
	}
	if proto != "" {
		return proto[len(apiKeyProtocolPrefix):]
	}
	return headerKey(r)
}

// originAllowed applies the browser origin rule: no Origin header (not a browser), the
// same host name as the request (any port), or a match of AllowedOrigins.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(hostOnly(u.Host), hostOnly(r.Host)) {
		return true
	}
	for _, pattern := range s.cfg.AllowedOrigins {
		target := u.Host
		if strings.Contains(pattern, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, err := path.Match(strings.ToLower(pattern), strings.ToLower(target)); err == nil && ok {
			return true
		}
	}
	return false
}

// hostAllowed guards an unkeyed feed against DNS rebinding: a page on
// http://evil.example:8089 whose name is made to resolve to 127.0.0.1 sends its own name
// as Host (and Origin, so the origin rule cannot tell). With an API key the attacker
// still lacks the key, so only an unkeyed server checks. Allowed: IP literals,
// localhost, this machine's names, and serve.allowed_hosts.
func (s *Server) hostAllowed(r *http.Request) bool {
	if s.hasKey {
		return true
	}
	host := strings.ToLower(strings.TrimSuffix(hostOnly(r.Host), "."))
	if host == "" || net.ParseIP(host) != nil || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	for _, h := range s.allowedHosts {
		if h == "*" || h == host {
			return true
		}
	}
	return false
}

// refuseHost answers a request whose Host is not allowed.
func (s *Server) refuseHost(w http.ResponseWriter, r *http.Request) {
	s.stats.rejectedHost.Add(1)
	s.log.Info("feed: request for a host name that is not allowed", "remote", s.clientIP(r), "host", r.Host)
	writeJSONError(w, http.StatusForbidden, "host_not_allowed",
		"this host name may not read the feed without an API key; add it to serve.allowed_hosts or set serve.api_key")
}

// hostOnly strips the port from host:port (and the brackets from [v6]:port).
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

// rateLimiter limits connections per IP: at most perMinute at once, then one every
// minute/perMinute (a token bucket, kept as the generic cell rate algorithm's
// "theoretical arrival time" so that the arithmetic is exact). Zero perMinute allows
// everything.
type rateLimiter struct {
	perMinute int
	interval  time.Duration // time one connection's token takes to come back
	burst     time.Duration // (perMinute-1) * interval: how far ahead tat may run

	mu        sync.Mutex
	tat       map[string]time.Time
	lastPrune time.Time
}

func newRateLimiter(perMinute int) *rateLimiter {
	l := &rateLimiter{perMinute: perMinute, tat: map[string]time.Time{}}
	if perMinute > 0 {
		l.interval = time.Minute / time.Duration(perMinute)
		l.burst = time.Duration(perMinute-1) * l.interval
	}
	return l
}

// allow takes one connection from ip's allowance at time now.
func (l *rateLimiter) allow(ip string, now time.Time) bool {
	if l.perMinute <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pruneLocked(now)
	tat, ok := l.tat[ip]
	if !ok || tat.Before(now) {
		tat = now
	}
	if tat.Sub(now) > l.burst {
		return false
	}
	l.tat[ip] = tat.Add(l.interval)
	return true
}

// spent reports whether ip has used up its allowance at time now, without taking from it.
func (l *rateLimiter) spent(ip string, now time.Time) bool {
	if l.perMinute <= 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	tat, ok := l.tat[ip]
	return ok && tat.Sub(now) > l.burst
}

// pruneLocked forgets, once a minute, the addresses whose allowance is full again, so
// the map does not grow with every address ever seen.
func (l *rateLimiter) pruneLocked(now time.Time) {
	if now.Sub(l.lastPrune) < time.Minute {
		return
	}
	l.lastPrune = now
	for ip, tat := range l.tat {
		if !tat.After(now) {
			delete(l.tat, ip)
		}
	}
}

// size returns the number of tracked addresses.
func (l *rateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.tat)
}
