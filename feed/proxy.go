package feed

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// parseTrustedProxies reads serve.trusted_proxies: IP addresses and CIDR ranges.
func parseTrustedProxies(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for i, p := range list {
		p = strings.TrimSpace(p)
		if pfx, err := netip.ParsePrefix(p); err == nil {
			out = append(out, pfx.Masked())
			continue
		}
		addr, err := netip.ParseAddr(p)
		if err != nil {
			return nil, fmt.Errorf("feed: serve.trusted_proxies[%d]: %q is neither an IP address nor a CIDR range", i, p)
		}
		addr = addr.Unmap()
		out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
	}
	return out, nil
}

// trusted reports whether ip is one of the configured proxies.
func (s *Server) trusted(ip string) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, p := range s.trustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// clientIP is the address the per-IP limits count: the peer, unless the peer is a
// configured trusted proxy (serve.trusted_proxies). Then it is the right-most
// X-Forwarded-For address that is not itself a trusted proxy (the entries to its right
// were appended by proxies hsi-top trusts; those to its left were written by the client
// and prove nothing), else X-Real-IP. Any other peer's forwarding headers are ignored:
// a local process could otherwise rotate them to escape the limits.
func (s *Server) clientIP(r *http.Request) string {
	peer := hostOnly(r.RemoteAddr)
	if !s.trusted(peer) {
		return peer
	}
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		hops := strings.Split(strings.Join(xff, ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop := strings.TrimSpace(hops[i])
			if net.ParseIP(hop) == nil {
				break // garbage: nothing further left can be believed
			}
			if !s.trusted(hop) {
				return hop
			}
		}
	}
	if real := strings.TrimSpace(r.Header.Get("X-Real-IP")); net.ParseIP(real) != nil {
		return real
	}
	return peer
}
