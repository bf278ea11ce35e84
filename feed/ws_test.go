package feed

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
)

func TestFirstFrameIsSystemStatus(t *testing.T) {
	h := start(t, nil)
	c := h.dial("", nil)
	f := readFrame(t, c)
	if f.Type != "system_status" {
		t.Fatalf("first frame is %q, want system_status: %s", f.Type, f.Raw)
	}
	if ts, ok := f.Obj["timestamp"].(string); !ok || ts != "2026-11-27T22:14:05.000000Z" {
		t.Errorf("top-level timestamp = %v, want the snapshot's ISO time", f.Obj["timestamp"])
	}
	data := f.Obj["data"].(map[string]any)
	if data["health"] != "healthy" {
		t.Errorf("health = %v, want healthy for the fixture", data["health"])
	}
}

func TestCadence(t *testing.T) {
	h := start(t, func(o *Options) { o.Config.FeedInterval = config.Duration(5 * time.Second) })
	c := h.dial("", nil)
	if f := readFrame(t, c); f.Type != "system_status" {
		t.Fatalf("first frame %q", f.Type)
	}
	for tick := 1; tick <= 3; tick++ {
		// A fresh snapshot each tick, so the frames must follow it.
		ts := t0.Add(time.Duration(tick) * 5 * time.Second)
		h.src.set(fixtureSnapshot(t, ts))
		h.clk.Advance(5 * time.Second)
		st := readFrame(t, c)
		pu := readFrame(t, c)
		if st.Type != "system_status" || pu.Type != "performance_update" {
			t.Fatalf("tick %d: frames %q, %q; want system_status then performance_update", tick, st.Type, pu.Type)
		}
		want := ts.Format(snapshot.TimeLayout)
		if got := pu.Obj["data"].(map[string]any)["timestamp"]; got != want {
			t.Errorf("tick %d: data.timestamp = %v, want %s", tick, got, want)
		}
		if got := st.Obj["timestamp"]; got != want {
			t.Errorf("tick %d: system_status timestamp = %v, want %s", tick, got, want)
		}
	}
	if got := h.srv.stats.ticks.Load(); got != 3 {
		t.Errorf("ticks = %d, want 3", got)
	}
}

func TestCadenceWithoutSnapshotSendsOnlyStatus(t *testing.T) {
	h := start(t, nil)
	h.src.set(nil)
	c := h.dial("", nil)
	f := readFrame(t, c)
	if f.Type != "system_status" || f.Obj["data"].(map[string]any)["health"] != "degraded" {
		t.Fatalf("first frame without a snapshot: %s", f.Raw)
	}
	h.clk.Advance(5 * time.Second)
	if f := readFrame(t, c); f.Type != "system_status" {
		t.Fatalf("tick without a snapshot sent %q", f.Type)
	}
	// The next tick has a snapshot again: its first frame must be a system_status,
	// proving no performance_update was queued before it.
	h.src.set(fixtureSnapshot(t, t0.Add(10*time.Second)))
	h.clk.Advance(5 * time.Second)
	if f := readFrame(t, c); f.Type != "system_status" {
		t.Fatalf("got %q after a tick without a snapshot, want system_status", f.Type)
	}
	if f := readFrame(t, c); f.Type != "performance_update" {
		t.Fatalf("got %q, want performance_update", f.Type)
	}
}

// jsonType names a decoded JSON value's type.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// sameShape reports every key of want (recursively, arrays by their first element)
// that got lacks or holds with another JSON type.
func sameShape(path string, want, got any) []string {
	if jsonType(want) != jsonType(got) {
		return []string{fmt.Sprintf("%s: %s in the fixture, %s here", path, jsonType(want), jsonType(got))}
	}
	var diffs []string
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				diffs = append(diffs, path+"."+k+": missing")
				continue
			}
			diffs = append(diffs, sameShape(path+"."+k, w[k], gv)...)
		}
	case []any:
		g := got.([]any)
		if len(w) > 0 && len(g) == 0 {
			diffs = append(diffs, path+": empty array here")
		}
		if len(w) > 0 && len(g) > 0 {
			diffs = append(diffs, sameShape(path+"[0]", w[0], g[0])...)
		}
	}
	return diffs
}

func fixtureObject(t *testing.T, name string) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(testenv.ReadFixture(t, name), &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func TestEnvelopesMatchFixtures(t *testing.T) {
	h := start(t, nil)
	c := h.dial("", nil)
	st := readFrame(t, c)
	h.clk.Advance(5 * time.Second)
	readFrame(t, c) // the tick's system_status
	pu := readFrame(t, c)

	for _, tc := range []struct {
		fixture string
		got     frame
	}{{"feed-system_status.json", st}, {"feed-performance_update.json", pu}} {
		want := fixtureObject(t, tc.fixture)
		if diffs := sameShape("$", want, tc.got.Obj); len(diffs) > 0 {
			t.Errorf("%s differs from %s:\n  %s", tc.got.Type, tc.fixture, strings.Join(diffs, "\n  "))
		}
		// No extra top-level keys: the envelope is exactly the contract's.
		keys := func(m map[string]any) []string {
			var ks []string
			for k := range m {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			return ks
		}
		if !reflect.DeepEqual(keys(want), keys(tc.got.Obj)) {
			t.Errorf("%s envelope keys %v, fixture has %v", tc.got.Type, keys(tc.got.Obj), keys(want))
		}
	}
	if _, ok := pu.Obj["timestamp"]; ok {
		t.Error("performance_update has a top-level timestamp")
	}
	// The values system_status derives from the fixture snapshot.
	var status struct {
		Data struct {
			GPU struct {
				Utilization, MemoryUsed, MemoryTotal, Temperature, InferenceFPS float64
			}
		}
	}
	d := st.Obj["data"].(map[string]any)
	gpu := d["gpu"].(map[string]any)
	_ = status
	for k, want := range map[string]float64{"utilization": 38, "memory_used": 23245, "memory_total": 24576, "temperature": 38, "inference_fps": 0.21} {
		if gpu[k] != want {
			t.Errorf("system_status gpu.%s = %v, want %v", k, gpu[k], want)
		}
	}
	if q := d["queue"].(map[string]any); q["pending"] != 3.0 || q["processing"] != 1.0 {
		t.Errorf("queue = %v, want pending 3 processing 1", q)
	}
	if ai := d["ai"].(map[string]any); ai["status"] != "healthy" || ai["rtdetr"] != "healthy" || ai["nemotron"] != "healthy" {
		t.Errorf("ai = %v", ai)
	}
}

func TestEnvelopeOfEmptySnapshotKeepsEveryKey(t *testing.T) {
	h := start(t, nil)
	empty := snapshot.New(t0)
	h.src.set(empty)
	c := h.dial("", nil)
	st := readFrame(t, c)
	h.clk.Advance(5 * time.Second)
	readFrame(t, c)
	pu := readFrame(t, c)
	// Unknown numbers are null, but every key of the fixtures is there, except the
	// database cards: the page dereferences their numbers, so on its wire a card without
	// them is left out (contract.md §3b overrides §3 here).
	leftOut := map[string]bool{"$.data.databases.postgresql": true, "$.data.databases.redis": true}
	for _, tc := range []struct {
		fixture string
		got     frame
	}{{"feed-system_status.json", st}, {"feed-performance_update.json", pu}} {
		var missing []string
		var walk func(path string, want, got any)
		walk = func(path string, want, got any) {
			w, ok := want.(map[string]any)
			g, ok2 := got.(map[string]any)
			if !ok || !ok2 {
				return
			}
			for k, v := range w {
				gv, ok := g[k]
				if !ok && !leftOut[path+"."+k] {
					missing = append(missing, path+"."+k)
					continue
				}
				walk(path+"."+k, v, gv)
			}
		}
		walk("$", fixtureObject(t, tc.fixture), tc.got.Obj)
		if len(missing) > 0 {
			sort.Strings(missing)
			t.Errorf("%s of an empty snapshot lacks %v", tc.got.Type, missing)
		}
	}
	if d := st.Obj["data"].(map[string]any); d["gpu"].(map[string]any)["utilization"] != nil {
		t.Errorf("unknown GPU utilization is %v, want null", d["gpu"].(map[string]any)["utilization"])
	}
}

func TestPingPong(t *testing.T) {
	h := start(t, nil)
	c := h.dial("", nil)
	readFrame(t, c)
	for _, msg := range []string{`{"type":"ping"}`, `ping`, ` {"type":"ping","id":7} `} {
		send(t, c, msg)
		if f := readFrame(t, c); string(f.Raw) != `{"type":"pong"}` {
			t.Errorf("reply to %s = %s, want {\"type\":\"pong\"}", msg, f.Raw)
		}
	}
	// pong, subscribe and unsubscribe get no answer: the next frame answers the ping
	// sent after them.
	for _, msg := range []string{`{"type":"pong"}`, `{"type":"subscribe","channels":["gpu"]}`, `{"type":"unsubscribe"}`} {
		send(t, c, msg)
	}
	send(t, c, `{"type":"ping"}`)
	if f := readFrame(t, c); f.Type != "pong" {
		t.Errorf("after pong/subscribe/unsubscribe got %s, want only the pong of the last ping", f.Raw)
	}
}

func TestServerHeartbeat(t *testing.T) {
	h := start(t, func(o *Options) { o.Config.FeedInterval = config.Duration(time.Minute) })
	c := h.dial("", nil)
	readFrame(t, c)
	h.clk.Advance(DefaultPingInterval)
	if f := readFrame(t, c); string(f.Raw) != `{"type":"ping"}` {
		t.Fatalf("after 30 s got %s, want {\"type\":\"ping\"}", f.Raw)
	}
}

func TestErrorFrames(t *testing.T) {
	h := start(t, nil)
	c := h.dial("", nil)
	readFrame(t, c)
	for _, tc := range []struct{ msg, kind string }{
		{`{"type":`, errInvalidJSON},
		{`hello`, errInvalidJSON},
		{`[1,2]`, errInvalidFormat},
		{`"ping"`, errInvalidFormat},
		{`{"kind":"ping"}`, errInvalidFormat},
		{`{"type":5}`, errInvalidFormat},
		{`{"type":"hello"}`, errUnknownMessageType},
	} {
		send(t, c, tc.msg)
		f := readFrame(t, c)
		if f.Type != "error" || f.Obj["error"] != tc.kind {
			t.Errorf("reply to %s = %s, want error %s", tc.msg, f.Raw, tc.kind)
		}
		if m, ok := f.Obj["message"].(string); !ok || m == "" {
			t.Errorf("reply to %s has no message: %s", tc.msg, f.Raw)
		}
		if len(f.Obj) != 3 {
			t.Errorf("error frame %s has keys other than type, error, message", f.Raw)
		}
	}
	// The connection stays open.
	send(t, c, "ping")
	if f := readFrame(t, c); f.Type != "pong" {
		t.Errorf("after the errors got %s, want pong", f.Raw)
	}
}

func TestIdleTimeout(t *testing.T) {
	h := start(t, func(o *Options) {
		o.Config.IdleTimeout = config.Duration(20 * time.Second)
		o.Config.FeedInterval = config.Duration(time.Hour)
		o.PingInterval = time.Hour
	})
	c := h.dial("", nil)
	readFrame(t, c)
	h.clk.Advance(15 * time.Second)
	send(t, c, "ping") // resets the idle clock
	if f := readFrame(t, c); f.Type != "pong" {
		t.Fatalf("got %s, want pong", f.Raw)
	}
	h.clk.Advance(15 * time.Second) // 15 s after the ping: still open
	send(t, c, "ping")
	if f := readFrame(t, c); f.Type != "pong" {
		t.Fatalf("closed before the idle timeout: %s", f.Raw)
	}
	// A protocol-level ping is a client frame too.
	h.clk.Advance(15 * time.Second)
	pctx, pcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer pcancel()
	go c.Ping(pctx) // answered by the server; c.Ping needs a reader, which readClose below is
	waitFor(t, "the protocol ping to reach the server", func() bool {
		return h.srv.hub.count() == 1 && anyLastRead(h.srv) == t0.Add(45*time.Second).UnixNano()
	})
	// 15 s after the protocol ping a text ping (its pong proves the server read it
	// before the clock moves on); 21 s after that the sweep closes the socket.
	h.clk.Advance(15 * time.Second)
	send(t, c, "ping")
	if f := readFrame(t, c); f.Type != "pong" {
		t.Fatalf("closed before the idle timeout: %s", f.Raw)
	}
	h.clk.Advance(21 * time.Second)
	code, reason := readClose(t, c)
	if code != websocket.StatusNormalClosure || reason != "Idle timeout" {
		t.Fatalf("close = %d %q, want 1000 \"Idle timeout\"", code, reason)
	}
	// The server counts the close once its closing handshake returns, which may be
	// just after the client has read the close frame.
	waitFor(t, "the idle close to be counted", func() bool { return h.srv.stats.idleClosed.Load() == 1 })
}

// anyLastRead returns the last-read clock time of one connected client.
func anyLastRead(s *Server) int64 {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	for c := range s.hub.clients {
		return c.lastRead.Load()
	}
	return 0
}

func TestAPIKey(t *testing.T) {
	const key = "s3cret-key-value"
	h := start(t, func(o *Options) { o.Config.APIKey = config.Secret(key) })

	t.Run("query", func(t *testing.T) {
		c := h.dial("api_key="+key, nil)
		if f := readFrame(t, c); f.Type != "system_status" {
			t.Fatalf("got %s", f.Raw)
		}
	})
	t.Run("subprotocol is echoed", func(t *testing.T) {
		c := h.dial("", &websocket.DialOptions{Subprotocols: []string{"api-key." + key}})
		if c.Subprotocol() != "api-key."+key {
			t.Errorf("subprotocol = %q, want the offered api-key entry echoed", c.Subprotocol())
		}
		if f := readFrame(t, c); f.Type != "system_status" {
			t.Fatalf("got %s", f.Raw)
		}
	})
	for _, tc := range []struct {
		name, query, proto, reason string
	}{
		{"missing", "", "", "API key required"},
		{"wrong query", "api_key=nope", "", "Invalid API key"},
		{"wrong subprotocol", "", "api-key.nope", "Invalid API key"},
		{"prefix of the key", "api_key=" + key[:5], "", "Invalid API key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts *websocket.DialOptions
			if tc.proto != "" {
				opts = &websocket.DialOptions{Subprotocols: []string{tc.proto}}
			}
			c := h.dial(tc.query, opts)
			if tc.proto != "" && c.Subprotocol() != tc.proto {
				t.Errorf("subprotocol %q not echoed (a browser would fail the handshake)", tc.proto)
			}
			code, reason := readClose(t, c)
			if code != websocket.StatusPolicyViolation || reason != tc.reason {
				t.Fatalf("close = %d %q, want 1008 %q", code, reason, tc.reason)
			}
		})
	}
	if logs := h.logs.String(); strings.Contains(logs, key) || strings.Contains(logs, "nope") {
		t.Errorf("a key reached the log:\n%s", logs)
	}
	if !strings.Contains(h.logs.String(), "reason=\"API key required\"") {
		t.Errorf("the log does not give the reason of the first refusal:\n%s", h.logs.String())
	}
}

func TestRateLimit(t *testing.T) {
	h := start(t, func(o *Options) { o.Config.RateLimitPerMinute = 3 })
	for i := range 3 {
		c := h.dial("", nil)
		if f := readFrame(t, c); f.Type != "system_status" {
			t.Fatalf("connection %d: %s", i+1, f.Raw)
		}
		c.Close(websocket.StatusNormalClosure, "")
	}
	c := h.dial("", nil)
	if code, reason := readClose(t, c); code != websocket.StatusPolicyViolation || reason != "Rate limit exceeded" {
		t.Fatalf("4th connection in a minute: close %d %q, want 1008", code, reason)
	}
	// One token comes back every 20 s at 3 a minute.
	h.clk.Advance(20 * time.Second)
	c = h.dial("", nil)
	if f := readType(t, c, "system_status", 3); f.Type != "system_status" {
		t.Fatalf("after the refill: %s", f.Raw)
	}
	if got := h.srv.stats.rejectedRate.Load(); got != 1 {
		t.Errorf("rate rejections = %d, want 1", got)
	}
}

func TestOversizedFrameCloses1009(t *testing.T) {
	h := start(t, nil)
	c := h.dial("", nil)
	readFrame(t, c)
	// Exactly the limit is fine.
	pad := MaxClientFrame - len(`{"type":"ping","pad":""}`)
	send(t, c, `{"type":"ping","pad":"`+strings.Repeat("x", pad)+`"}`)
	if f := readFrame(t, c); f.Type != "pong" {
		t.Fatalf("a 64 KiB frame got %s, want pong", f.Raw)
	}
	big := strings.Repeat("y", MaxClientFrame+1)
	// The write may fail once the server has closed; the close code is what matters.
	c.Write(testCtx(t), websocket.MessageText, []byte(big))
	if code, _ := readClose(t, c); code != websocket.StatusMessageTooBig {
		t.Fatalf("close = %d, want 1009", code)
	}
}

func TestOriginCheck(t *testing.T) {
	h := start(t, func(o *Options) {
		o.Config.AllowedOrigins = []string{"https://dashboard.example", "*.lan:5173"}
	})
	port := strings.TrimPrefix(h.base, "http://127.0.0.1:")
	for _, tc := range []struct {
		origin string
		ok     bool
	}{
		{"", true},
		{"http://127.0.0.1:" + port, true},
		{"http://127.0.0.1:5173", true}, // same host, another port
		{"https://dashboard.example", true},
		{"http://dashboard.example", false}, // the pattern names https
		{"http://nvr.lan:5173", true},
		{"http://nvr.lan:8080", false},
		{"http://evil.example", false},
		{"null", false},
	} {
		hdr := http.Header{}
		if tc.origin != "" {
			hdr.Set("Origin", tc.origin)
		}
		c, resp, err := websocket.Dial(testCtx(t), h.wsURL(""), &websocket.DialOptions{HTTPHeader: hdr})
		if tc.ok {
			if err != nil {
				t.Errorf("origin %q refused: %v", tc.origin, err)
				continue
			}
			c.CloseNow()
			continue
		}
		if err == nil {
			c.CloseNow()
			t.Errorf("origin %q accepted", tc.origin)
			continue
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("origin %q: %v, want 403", tc.origin, err)
		}
	}
}

// dialNoRead opens a socket whose client never reads, with a tiny receive buffer so
// that the server's writes back up quickly.
func (h *harness) dialNoRead() *websocket.Conn {
	h.t.Helper()
	d := &net.Dialer{Control: func(network, address string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	tr := &http.Transport{DialContext: d.DialContext}
	c, _, err := websocket.Dial(testCtx(h.t), h.wsURL(""), &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		h.t.Fatalf("dial: %v", err)
	}
	h.t.Cleanup(func() { c.CloseNow() })
	return c
}

func TestSlowClientIsDroppedOthersUnaffected(t *testing.T) {
	h := start(t, func(o *Options) {
		o.QueueSize = 4
		o.PingInterval = time.Hour
		o.Config.IdleTimeout = config.Duration(24 * time.Hour)
	})
	// Large frames fill the stalled socket in fewer ticks.
	big := fixtureSnapshot(t, t0)
	big.Hostname = strings.Repeat("h", 32<<10)
	h.src.set(big)
	healthy := h.dial("", nil)
	readFrame(t, healthy)
	slow := h.dialNoRead()
	waitFor(t, "both clients registered", func() bool { return h.srv.hub.count() == 2 })

	ticks := 0
	for h.srv.stats.dropped.Load() == 0 {
		if ticks == 2000 {
			t.Fatal("the stalled client was never dropped")
		}
		h.clk.Advance(5 * time.Second)
		ticks++
		// The healthy client reads every frame of every tick.
		if f := readFrame(t, healthy); f.Type != "system_status" {
			t.Fatalf("tick %d: healthy client got %q", ticks, f.Type)
		}
		if f := readFrame(t, healthy); f.Type != "performance_update" {
			t.Fatalf("tick %d: healthy client got %q", ticks, f.Type)
		}
	}
	waitFor(t, "the slow client to be removed", func() bool { return h.srv.hub.count() == 1 })
	// The healthy client carries on.
	for range 3 {
		h.clk.Advance(5 * time.Second)
		ticks++
		readType(t, healthy, "performance_update", 2)
	}
	if got := h.srv.stats.dropped.Load(); got != 1 {
		t.Errorf("dropped = %d, want 1", got)
	}
	if n := strings.Count(h.logs.String(), "client too slow"); n != 1 {
		t.Errorf("the drop was logged %d times, want once", n)
	}
	t.Logf("stalled client dropped after %d ticks", ticks-3)
	_ = slow
}

func TestBroadcastSharesOneEncoding(t *testing.T) {
	h := start(t, nil)
	var clients []*client
	for range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		c := &client{s: h.srv, queue: make(chan []byte, 4), ctx: ctx, cancel: cancel, closeDone: make(chan struct{})}
		if !h.srv.hub.register(c, h.srv.currentFrames().status) {
			t.Fatal("register refused")
		}
		clients = append(clients, c)
		t.Cleanup(func() { h.srv.hub.unregister(c); cancel() })
	}
	h.srv.hub.tick()
	var firsts []*byte
	for _, c := range clients {
		<-c.queue // the connect-time status
		st, pu := <-c.queue, <-c.queue
		if !strings.Contains(string(pu), `"type":"performance_update"`) || !strings.Contains(string(st), `"type":"system_status"`) {
			t.Fatalf("queued %s / %s", st[:40], pu[:40])
		}
		firsts = append(firsts, &pu[0])
	}
	if firsts[0] != firsts[1] || firsts[1] != firsts[2] {
		t.Error("clients received different copies of the performance_update; it must be encoded once")
	}
}

func TestGracefulShutdownSends1001(t *testing.T) {
	h := start(t, nil)
	a := h.dial("", nil)
	b := h.dial("", nil)
	readFrame(t, a)
	readFrame(t, b)
	// A client that never reads: it never answers the close handshake, so it is cut
	// after the grace.
	h.dialNoRead()
	waitFor(t, "three clients", func() bool { return h.srv.hub.count() == 3 })
	h.stop()
	for _, c := range []*websocket.Conn{a, b} {
		if code, reason := readClose(t, c); code != websocket.StatusGoingAway {
			t.Errorf("close = %d %q, want 1001", code, reason)
		}
	}
	if n := h.srv.hub.count(); n != 0 {
		t.Errorf("%d clients left after shutdown", n)
	}
	// New connections are refused once the server has stopped.
	if _, _, err := websocket.Dial(testCtx(t), h.wsURL(""), nil); err == nil {
		t.Error("dial after shutdown succeeded")
	}
}

func TestKeyProtocolCaseInsensitive(t *testing.T) {
	const key = "AbC"
	h := start(t, func(o *Options) { o.Config.APIKey = config.Secret(key) })
	c := h.dial("", &websocket.DialOptions{Subprotocols: []string{"chat", "API-KEY." + key}})
	if c.Subprotocol() != "API-KEY."+key {
		t.Errorf("subprotocol = %q", c.Subprotocol())
	}
	if f := readFrame(t, c); f.Type != "system_status" {
		t.Fatalf("got %s", f.Raw)
	}
}

func TestShutdownWithinGraceWhenContextEnds(t *testing.T) {
	// Serve returns nil after its context ends, and a second Serve is refused.
	h := start(t, nil)
	h.stop()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.srv.Serve(context.Background(), ln); err == nil {
		t.Error("a second Serve was accepted")
	}
}
