package feed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// t0 is the fake clock's start in every fake-clock test.
var t0 = time.Date(2026, 11, 27, 22, 14, 5, 0, time.UTC)

// fakeSource is a SnapshotSource whose snapshot the test sets.
type fakeSource struct {
	p atomic.Pointer[snapshot.Snapshot]
}

func (f *fakeSource) Latest() *snapshot.Snapshot { return f.p.Load() }
func (f *fakeSource) set(s *snapshot.Snapshot)   { f.p.Store(s) }

// fixtureSnapshot decodes the fixture feed-performance_update.json into a
// snapshot taken at ts, with the overview numbers system_status reads.
func fixtureSnapshot(t testing.TB, ts time.Time) *snapshot.Snapshot {
	t.Helper()
	var env struct {
		Data wire.PerformanceData `json:"data"`
	}
	if err := json.Unmarshal(testenv.ReadFixture(t, "feed-performance_update.json"), &env); err != nil {
		t.Fatalf("decoding the performance_update fixture: %v", err)
	}
	s := env.Data.Snapshot()
	s.Timestamp = snapshot.Time{Time: ts.UTC()}
	s.Inference.DetectorKey = s.AIModels.DetectorKey
	s.Overview.CamerasActive = snapshot.I(4)
	s.Overview.CamerasTotal = snapshot.I(4)
	s.SchemaVersion = snapshot.SchemaVersion
	s.Hostname = "box"
	if s.GPU != nil {
		s.GPUs = []snapshot.GPU{*s.GPU}
	}
	return s
}

// harness is one running Server with its fake source and clock.
type harness struct {
	t      *testing.T
	srv    *Server
	src    *fakeSource
	clk    *clock.Fake
	base   string // http://127.0.0.1:PORT
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs a server with a fake clock at t0 and the fixture snapshot taken at t0.
// edit adjusts the options before New.
func start(t *testing.T, edit func(o *Options)) *harness {
	t.Helper()
	h := &harness{t: t, src: &fakeSource{}, clk: clock.NewFake(t0), logs: &syncBuffer{}}
	h.src.set(fixtureSnapshot(t, t0))
	cfg := config.Default().Serve
	opts := Options{
		Config:          cfg,
		Source:          h.src,
		Clock:           h.clk,
		Logger:          slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		CollectInterval: 5 * time.Second,
		ShutdownGrace:   500 * time.Millisecond,
	}
	if edit != nil {
		edit(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.base = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(h.stop)
	return h
}

// stop shuts the server down and waits for Serve to return.
func (h *harness) stop() {
	h.cancel()
	if err := <-h.done; err != nil {
		h.t.Errorf("Serve: %v", err)
	}
	h.done <- nil // later stops return at once
}

func (h *harness) wsURL(query string) string {
	u := "ws" + strings.TrimPrefix(h.base, "http") + "/ws/system"
	if query != "" {
		u += "?" + query
	}
	return u
}

// testCtx bounds one blocking step of a test, so a bug fails the test instead of hanging
// it; it is a deadline, not a timing assertion.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dial opens a socket and closes it at the end of the test.
func (h *harness) dial(query string, opts *websocket.DialOptions) *websocket.Conn {
	h.t.Helper()
	c, _, err := websocket.Dial(testCtx(h.t), h.wsURL(query), opts)
	if err != nil {
		h.t.Fatalf("dial: %v", err)
	}
	c.SetReadLimit(1 << 20)
	h.t.Cleanup(func() { c.CloseNow() })
	return c
}

// frame is one decoded server frame.
type frame struct {
	Type string
	Raw  []byte
	Obj  map[string]any
}

func readFrame(t *testing.T, c *websocket.Conn) frame {
	t.Helper()
	typ, b, err := c.Read(testCtx(t))
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("frame type %v, want text", typ)
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatalf("frame is not a JSON object: %v: %s", err, b)
	}
	s, _ := obj["type"].(string)
	return frame{Type: s, Raw: b, Obj: obj}
}

// readType reads frames until one of type want arrives (at most max frames).
func readType(t *testing.T, c *websocket.Conn, want string, max int) frame {
	t.Helper()
	for range max {
		if f := readFrame(t, c); f.Type == want {
			return f
		}
	}
	t.Fatalf("no %s frame within %d frames", want, max)
	return frame{}
}

// readClose reads until the connection ends and returns the close status.
func readClose(t *testing.T, c *websocket.Conn) (websocket.StatusCode, string) {
	t.Helper()
	ctx := testCtx(t)
	for {
		_, _, err := c.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code, ce.Reason
			}
			return websocket.CloseStatus(err), err.Error()
		}
	}
}

func send(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	if err := c.Write(testCtx(t), websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
}

// httpGet fetches path from the server without keeping connections alive.
func (h *harness) get(path string, header http.Header) (int, http.Header, []byte) {
	h.t.Helper()
	req, err := http.NewRequestWithContext(testCtx(h.t), http.MethodGet, h.base+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("GET %s: reading: %v", path, err)
	}
	return resp.StatusCode, resp.Header, b
}

// waitFor polls cond until it holds; the bound is a deadline against hangs.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
