package feed

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
)

func TestHandleClientMessage(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ping", `{"type":"pong"}`},
		{"  ping\n", `{"type":"pong"}`},
		{`{"type":"ping"}`, `{"type":"pong"}`},
		{`{"type":"pong"}`, ""},
		{`{"type":"subscribe","channels":["x"]}`, ""},
		{`{"type":"unsubscribe"}`, ""},
		{`PING`, "invalid_json"},
		{``, "invalid_json"},
		{`null`, "invalid_message_format"},
		{`{"type":null}`, "invalid_message_format"},
		{`{"type":"` + strings.Repeat("z", 100) + `"}`, "unknown_message_type"},
		{`{"type":"<script>"}`, "unknown_message_type"},
	} {
		got := handleClientMessage([]byte(tc.in))
		switch {
		case tc.want == "" && got != nil:
			t.Errorf("%q: replied %s, want nothing", tc.in, got)
		case strings.HasPrefix(tc.want, "{") && string(got) != tc.want:
			t.Errorf("%q: replied %s, want %s", tc.in, got, tc.want)
		case tc.want != "" && !strings.HasPrefix(tc.want, "{"):
			var e struct{ Type, Error, Message string }
			if err := json.Unmarshal(got, &e); err != nil || e.Type != "error" || e.Error != tc.want {
				t.Errorf("%q: replied %s, want error %s", tc.in, got, tc.want)
			}
			if len(e.Message) > 200 {
				t.Errorf("%q: message echoes too much: %d bytes", tc.in, len(e.Message))
			}
		}
	}
}

func TestRateLimiter(t *testing.T) {
	l := newRateLimiter(10)
	now := t0
	for i := range 10 {
		if !l.allow("10.0.0.1", now) {
			t.Fatalf("connection %d refused", i+1)
		}
	}
	if l.allow("10.0.0.1", now) {
		t.Fatal("11th connection in a minute allowed")
	}
	if !l.allow("10.0.0.2", now) {
		t.Fatal("another address is limited too")
	}
	if l.allow("10.0.0.1", now.Add(5*time.Second)) {
		t.Fatal("a token came back before 6 s")
	}
	if !l.allow("10.0.0.1", now.Add(6*time.Second)) {
		t.Fatal("no token after 6 s at 10 a minute")
	}
	// Full buckets are forgotten.
	l.allow("10.0.0.9", now.Add(10*time.Minute))
	if n := l.size(); n != 1 {
		t.Errorf("%d addresses tracked after they refilled, want 1", n)
	}
	off := newRateLimiter(0)
	for range 1000 {
		if !off.allow("x", now) {
			t.Fatal("a zero limit must allow everything")
		}
	}
}

// TestClientIPTrustsOnlyConfiguredProxies is issue 10 item 15: forwarding headers
// count only from serve.trusted_proxies; a loopback peer is not trusted by default.
func TestClientIPTrustsOnlyConfiguredProxies(t *testing.T) {
	for _, tc := range []struct {
		trusted           []string
		remote, xff, real string
		want              string
	}{
		// Nothing trusted (the default): every peer is the client, loopback included.
		{nil, "192.0.2.7:5555", "10.9.9.9", "", "192.0.2.7"},
		{nil, "127.0.0.1:5555", "10.9.9.9, 198.51.100.4", "", "127.0.0.1"},
		{nil, "127.0.0.1:5555", "", "198.51.100.5", "127.0.0.1"},
		{nil, "[::1]:5555", "2001:db8::1", "", "::1"},
		// A trusted proxy: the right-most address it did not append itself.
		{[]string{"127.0.0.1"}, "127.0.0.1:5555", "10.9.9.9, 198.51.100.4", "", "198.51.100.4"},
		{[]string{"127.0.0.1"}, "127.0.0.1:5555", "", "198.51.100.5", "198.51.100.5"},
		{[]string{"127.0.0.1"}, "127.0.0.1:5555", "garbage", "", "127.0.0.1"},
		{[]string{"::1"}, "[::1]:5555", "2001:db8::1", "", "2001:db8::1"},
		// A chain of trusted proxies is skipped; a spoofed left-most entry is not believed.
		{[]string{"10.0.0.0/8", "127.0.0.1"}, "127.0.0.1:1", "203.0.113.9, 198.51.100.4, 10.1.2.3", "", "198.51.100.4"},
		// A peer outside the list is not trusted even if the list is not empty.
		{[]string{"10.0.0.0/8"}, "127.0.0.1:5555", "198.51.100.4", "", "127.0.0.1"},
	} {
		s, err := New(Options{Source: &fakeSource{}, Config: config.ServeConfig{TrustedProxies: tc.trusted}})
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", "/ws/system", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if tc.real != "" {
			r.Header.Set("X-Real-IP", tc.real)
		}
		if got := s.clientIP(r); got != tc.want {
			t.Errorf("trusted %v, %s xff=%q real=%q: %s, want %s", tc.trusted, tc.remote, tc.xff, tc.real, got, tc.want)
		}
		s.cancelBase()
	}
	if _, err := New(Options{Source: &fakeSource{}, Config: config.ServeConfig{TrustedProxies: []string{"nginx"}}}); err == nil ||
		!strings.Contains(err.Error(), `"nginx"`) {
		t.Errorf("a trusted proxy that is not an address: %v", err)
	}
}

// TestLogURLRedactsCredentials is issue 10 item 14: the logged URL is the path and the
// query with every credential-looking value and every value holding a secret replaced.
func TestLogURLRedactsCredentials(t *testing.T) {
	const key = "topsecret-KEY"
	s, err := New(Options{Source: &fakeSource{}, Config: config.ServeConfig{APIKey: key},
		Secrets: []string{"redis-pass", "", "x"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.cancelBase()
	for _, tc := range []struct{ target, want string }{
		{"/ws/system?api_key=" + key + "&x=1", "/ws/system?api_key=***&x=1"},
		{"/ws/system?apikey=" + key, "/ws/system?apikey=***"},
		{"/api/system/performance?range=1&key=" + key, "/api/system/performance?range=1&key=***"},
		{"/api/system/performance/history?time_range=5m?api_key=" + key, "/api/system/performance/history?time_range=5m&api_key=***"},
		{"/ws/system?token=guess&access_token=g2&Password=p", "/ws/system?token=***&access_token=***&Password=***"},
		{"/ws/system?q=" + key, "/ws/system?q=***"},
		{"/ws/system?q=pre" + key + "post", "/ws/system?q=***"},
		{"/ws/system?" + key, "/ws/system?***"},
		{"/ws/system?q=redis-pass", "/ws/system?q=***"},
		{"/x/" + key + "/y", "/x/***/y"},
		{"/ws/system?q=%zz&time_range=5m", "/ws/system?q=%25zz&time_range=5m"},
		{"/ws/system", "/ws/system"},
	} {
		r := httptest.NewRequest("GET", "http://h"+tc.target, nil)
		got := s.logURL(r)
		if got != tc.want {
			t.Errorf("%s: logged %q, want %q", tc.target, got, tc.want)
		}
		if strings.Contains(got, key) || strings.Contains(got, "redis-pass") {
			t.Errorf("%s: a secret is in %q", tc.target, got)
		}
	}
}

func TestWarnIfExposed(t *testing.T) {
	for _, tc := range []struct {
		ip   net.IP
		key  string
		warn bool
	}{
		{net.IPv4(127, 0, 0, 1), "", false},
		{net.IPv6loopback, "", false},
		{net.IPv4zero, "", true},
		{net.IPv4(192, 168, 1, 2), "", true},
		{net.IPv4zero, "k", false},
	} {
		var buf bytes.Buffer
		s, err := New(Options{Source: &fakeSource{}, Config: config.ServeConfig{APIKey: config.Secret(tc.key)},
			Logger: slog.New(slog.NewTextHandler(&buf, nil))})
		if err != nil {
			t.Fatal(err)
		}
		s.warnIfExposed(&net.TCPAddr{IP: tc.ip, Port: 8089})
		if got := strings.Contains(buf.String(), "WITHOUT an API key"); got != tc.warn {
			t.Errorf("%s key=%q: warned %v, want %v", tc.ip, tc.key, got, tc.warn)
		}
		s.cancelBase()
	}
}

func TestNewDefaults(t *testing.T) {
	s, err := New(Options{Source: &fakeSource{}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.cancelBase()
	if s.Addr() != "127.0.0.1:8089" || s.cfg.FeedInterval.D() != 5*time.Second || s.cfg.IdleTimeout.D() != 300*time.Second {
		t.Errorf("defaults: addr %s feed %s idle %s", s.Addr(), s.cfg.FeedInterval, s.cfg.IdleTimeout)
	}
	if _, err := New(Options{}); err == nil {
		t.Error("New without a source succeeded")
	}
}
