package feed

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hsi-top/hsi-top/config"
)

// TestRequestLogNeverHoldsTheKey is issue 10 item 14: a key sent under a name hsi-top
// does not read (?apikey=, &key=, glued to another value) used to be logged verbatim.
func TestRequestLogNeverHoldsTheKey(t *testing.T) {
	const key = "Zq81-right-key"
	h := start(t, func(o *Options) {
		o.Config.APIKey = config.Secret(key)
		o.Config.RateLimitPerMinute = 0
		o.Secrets = []string{"redis-password-1"}
	})
	for _, path := range []string{
		"/api/system/performance?apikey=" + key,
		"/api/system/performance?x=1&key=" + key,
		"/api/system/performance/history?time_range=5m?api_key=" + key,
		"/api/system/performance?q=redis-password-1",
	} {
		if code, _, _ := h.get(path, nil); code != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401 (the key under another name is not accepted)", path, code)
		}
	}
	c := h.dial("apikey="+key, nil)
	if code, _ := readClose(t, c); code != websocket.StatusPolicyViolation {
		t.Errorf("socket with ?apikey=: close %d, want 1008", code)
	}
	logs := h.logs.String()
	if strings.Contains(logs, key) || strings.Contains(logs, "redis-password-1") {
		t.Fatalf("a secret reached the log:\n%s", logs)
	}
	for _, want := range []string{"apikey=***", "x=1&key=***", "time_range=5m&api_key=***", "q=***"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log does not show %q:\n%s", want, logs)
		}
	}
}

// TestForwardedForIgnoredFromUntrustedPeer is issue 10 item 15: a local process that
// rotates X-Forwarded-For used to escape both per-IP limits.
func TestForwardedForIgnoredFromUntrustedPeer(t *testing.T) {
	xff := func(i int) http.Header { return http.Header{"X-Forwarded-For": {"198.51.100." + strconv.Itoa(i)}} }
	t.Run("socket limit", func(t *testing.T) {
		h := start(t, func(o *Options) { o.Config.RateLimitPerMinute = 3 })
		for i := range 3 {
			c := h.dial("", &websocket.DialOptions{HTTPHeader: xff(i)})
			readType(t, c, "system_status", 1)
			c.Close(websocket.StatusNormalClosure, "")
		}
		c := h.dial("", &websocket.DialOptions{HTTPHeader: xff(99)})
		if code, reason := readClose(t, c); code != websocket.StatusPolicyViolation {
			t.Fatalf("4th socket with a new X-Forwarded-For: close %d %q, want 1008", code, reason)
		}
	})
	t.Run("wrong REST keys", func(t *testing.T) {
		h := start(t, func(o *Options) { o.Config.APIKey = "right"; o.Config.RateLimitPerMinute = 3 })
		codes := []int{}
		for i := range 4 {
			code, _, _ := h.get("/api/system/performance?api_key=wrong", xff(i))
			codes = append(codes, code)
		}
		if codes[3] != http.StatusTooManyRequests {
			t.Errorf("wrong keys with rotating X-Forwarded-For: %v, want the 4th refused with 429", codes)
		}
	})
	t.Run("trusted proxy", func(t *testing.T) {
		h := start(t, func(o *Options) {
			o.Config.RateLimitPerMinute = 1
			o.Config.TrustedProxies = []string{"127.0.0.1", "::1"}
		})
		for i := range 3 { // three browsers behind the proxy, one connection each
			c := h.dial("", &websocket.DialOptions{HTTPHeader: xff(i)})
			if f := readFrame(t, c); f.Type != "system_status" {
				t.Fatalf("browser %d behind the trusted proxy: %s", i, f.Raw)
			}
			c.Close(websocket.StatusNormalClosure, "")
		}
		c := h.dial("", &websocket.DialOptions{HTTPHeader: xff(0)})
		if code, _ := readClose(t, c); code != websocket.StatusPolicyViolation {
			t.Errorf("browser 0's second connection: close %d, want 1008", code)
		}
	})
}

// TestConnectionCap is issue 10 item 16: past serve.max_connections a socket is closed
// with 1013 (try again later), and a freed slot is usable again.
func TestConnectionCap(t *testing.T) {
	h := start(t, func(o *Options) { o.Config.RateLimitPerMinute = 0; o.Config.MaxConnections = 3 })
	var open []*websocket.Conn
	for i := range 3 {
		c := h.dial("", nil)
		if f := readFrame(t, c); f.Type != "system_status" {
			t.Fatalf("socket %d under the cap: %s", i, f.Raw)
		}
		open = append(open, c)
	}
	c := h.dial("", nil)
	if code, reason := readClose(t, c); code != websocket.StatusTryAgainLater || reason != "Too many connections" {
		t.Fatalf("4th socket: close %d %q, want 1013 \"Too many connections\"", code, reason)
	}
	open[0].Close(websocket.StatusNormalClosure, "")
	waitFor(t, "the closed socket to free its slot", func() bool { return h.srv.conns.Load() <= 2 })
	c = h.dial("", nil)
	if f := readFrame(t, c); f.Type != "system_status" {
		t.Fatalf("after a slot was freed: %s", f.Raw)
	}
	if got := h.srv.stats.rejectedCap.Load(); got != 1 {
		t.Errorf("cap rejections = %d, want 1", got)
	}
	if !strings.Contains(h.logs.String(), "too many WebSocket connections") {
		t.Errorf("the refusal was not logged:\n%s", h.logs.String())
	}
}

// TestConnectionCapDefault: the cap defaults to 256 and negative values are refused.
func TestConnectionCapDefault(t *testing.T) {
	s, err := New(Options{Source: &fakeSource{}})
	if err != nil {
		t.Fatal(err)
	}
	s.cancelBase()
	if s.maxConns != 256 || config.Default().Serve.MaxConnections != 256 {
		t.Errorf("default cap %d (config %d), want 256", s.maxConns, config.Default().Serve.MaxConnections)
	}
	if _, err := New(Options{Source: &fakeSource{}, Config: config.ServeConfig{MaxConnections: -1}}); err == nil {
		t.Error("a negative cap was accepted")
	}
}

// TestWebSocketKeyInHeader is issue 12 item 5: the page cannot present a key, so its
// nginx adds one as X-API-Key or Authorization: Bearer on the upgrade.
func TestWebSocketKeyInHeader(t *testing.T) {
	const key = "hdr-key-123"
	h := start(t, func(o *Options) { o.Config.APIKey = config.Secret(key) })
	for name, hdr := range map[string]http.Header{
		"X-API-Key":     {"X-Api-Key": {key}},
		"Bearer":        {"Authorization": {"Bearer " + key}},
		"bearer, lower": {"Authorization": {"bearer  " + key}},
	} {
		t.Run(name, func(t *testing.T) {
			c := h.dial("", &websocket.DialOptions{HTTPHeader: hdr})
			if f := readFrame(t, c); f.Type != "system_status" {
				t.Fatalf("got %s", f.Raw)
			}
		})
	}
	c := h.dial("", &websocket.DialOptions{HTTPHeader: http.Header{"X-Api-Key": {"wrong"}}})
	if code, reason := readClose(t, c); code != websocket.StatusPolicyViolation || reason != "Invalid API key" {
		t.Errorf("wrong header key: close %d %q, want 1008 Invalid API key", code, reason)
	}
	if strings.Contains(h.logs.String(), key) {
		t.Errorf("the key reached the log:\n%s", h.logs.String())
	}
}

// TestWebSocketAuthFailuresAreLimited is issue 12 item 5: a client that keeps failing
// auth is told why (1008 with the reason) until its allowance is spent, then refused
// before the upgrade with 429; the log says so once, then once a minute with a count.
func TestWebSocketAuthFailuresAreLimited(t *testing.T) {
	h := start(t, func(o *Options) { o.Config.APIKey = "right-key"; o.Config.RateLimitPerMinute = 3 })
	for i := range 3 {
		c := h.dial("", nil)
		if code, reason := readClose(t, c); code != websocket.StatusPolicyViolation || reason != "API key required" {
			t.Fatalf("attempt %d: close %d %q, want 1008 API key required", i+1, code, reason)
		}
	}
	for i := range 5 {
		_, resp, err := websocket.Dial(testCtx(t), h.wsURL(""), nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("attempt %d past the allowance: %v %v, want HTTP 429 before the upgrade", i+4, resp, err)
		}
	}
	logs := h.logs.String()
	if n := strings.Count(logs, "WebSocket without a valid API key refused"); n != 1 {
		t.Errorf("%d log lines for 8 refused attempts within a minute, want 1:\n%s", n, logs)
	}
	if !strings.Contains(logs, "proxy_set_header X-API-Key") {
		t.Errorf("the log line does not say how to fix it:\n%s", logs)
	}
	h.clk.Advance(time.Minute)
	c := h.dial("", nil)
	readClose(t, c)
	if logs := h.logs.String(); !strings.Contains(logs, "refused_since_last_line=7") {
		t.Errorf("a minute later the log does not count the 7 attempts in between:\n%s", logs)
	}
	c = h.dial("api_key=right-key", nil)
	if f := readFrame(t, c); f.Type != "system_status" {
		t.Errorf("the right key after a minute: %s", f.Raw)
	}
}
