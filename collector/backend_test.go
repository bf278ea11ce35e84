package collector

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
)

func TestParseBackendStatsFixture(t *testing.T) {
	ov, err := ParseBackendStats(testenv.ReadFixture(t, "backend-stats.json"))
	if err != nil {
		t.Fatal(err)
	}
	if *ov.CamerasTotal != 4 || *ov.EventsTotal != 1234 || *ov.DetectionsTotal != 45678 || *ov.UptimeSeconds != 476412.6 {
		t.Fatalf("overview = %+v", ov)
	}
	if ov.Source != snapshot.ViaBackend || ov.CamerasActive != nil {
		t.Fatalf("source %q, active %v: the backend does not say how many cameras are active", ov.Source, ov.CamerasActive)
	}
}

func TestParseBackendStatsHostile(t *testing.T) {
	for name, body := range map[string]string{
		"html":        "<html>502 Bad Gateway</html>",
		"empty":       "",
		"string":      `{"total_cameras":"4"}`,
		"truncated":   `{"total_cameras":4,`,
		"no fields":   `{"foo":1}`,
		"array":       `[1,2]`,
		"null":        `null`,
		"deep nested": strings.Repeat("[", 20000) + strings.Repeat("]", 20000),
	} {
		if ov, err := ParseBackendStats([]byte(body)); err == nil {
			t.Errorf("%s: no error, got %+v", name, ov)
		}
	}
	ov, err := ParseBackendStats([]byte(`{"total_cameras":-1,"total_events":1.5,"total_detections":1e300,"uptime_seconds":10}`))
	if err != nil {
		t.Fatal(err)
	}
	if ov.CamerasTotal != nil || ov.EventsTotal != nil || ov.DetectionsTotal != nil || *ov.UptimeSeconds != 10 {
		t.Fatalf("negative, fractional and huge counts must be unknown: %+v", ov)
	}
}

func TestParseBackendReady503(t *testing.T) {
	w, err := ParseBackendReady(testenv.ReadFixture(t, "backend-health-ready-503.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.List) != 8 || w.Running() != 6 || w.Ready == nil || *w.Ready {
		t.Fatalf("workers = %+v", w)
	}
	want := []struct {
		name     string
		running  bool
		critical bool
		state    string
	}{
		{"gpu_monitor", true, false, "running"}, {"cleanup_service", true, false, "running"},
		{"system_broadcaster", true, false, "running"}, {"file_watcher", true, false, "running"},
		{"detection_worker", true, true, "running"}, {"analysis_worker", false, true, "stopped"},
		{"batch_timeout_worker", true, false, "running"}, {"metrics_worker", false, false, "stopped"},
	}
	for i, wk := range want {
		got := w.List[i]
		if got.Name != wk.name || got.Running != wk.running || got.Critical != wk.critical || got.State != wk.state {
			t.Errorf("worker %d = %+v, want %+v", i, got, wk)
		}
	}
	if w.List[5].Message != "State: stopped" {
		t.Errorf("message = %q", w.List[5].Message)
	}
}

func TestParseBackendReadyHostile(t *testing.T) {
	if _, err := ParseBackendReady([]byte(`{"ready":false}`)); err == nil {
		t.Error("no workers list must be an error")
	}
	if _, err := ParseBackendReady([]byte(`{"workers":"x"}`)); err == nil {
		t.Error("workers of the wrong type must be an error")
	}
	var b strings.Builder
	b.WriteString(`{"workers":[`)
	for i := 0; i < 1000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"name":"w","running":true},{"running":false},{"name":"","running":true}`)
	}
	b.WriteString(`]}`)
	w, err := ParseBackendReady([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.List) != maxWorkers {
		t.Fatalf("%d workers kept, want the cap %d (nameless and stateless ones dropped)", len(w.List), maxWorkers)
	}
	w, _ = ParseBackendReady([]byte(`{"workers":[{"name":"x","running":false,"message":"Crashed: OOM"}]}`))
	if w.List[0].State != "crashed" {
		t.Errorf("state = %q", w.List[0].State)
	}
}

func TestParseBackendTelemetryFixture(t *testing.T) {
	p, err := ParseBackendTelemetry(testenv.ReadFixture(t, "backend-telemetry.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Detect == nil || *p.Detect.Avg != 45.2 || *p.Detect.P95 != 82.3 || *p.Detect.P99 != 120.6 || *p.Detect.Samples != 409 {
		t.Fatalf("detect = %+v: must be the detect stage, not watch", p.Detect)
	}
	if p.Analyze == nil || *p.Analyze.Avg != 2104.0 || *p.Analyze.P95 != 4810.7 || *p.Analyze.P99 != 8204.1 || *p.Analyze.Samples != 37 {
		t.Fatalf("analyze = %+v", p.Analyze)
	}
	if p.Pipeline != nil {
		t.Fatalf("the fixture has no total stage: pipeline = %+v", p.Pipeline)
	}
	if p.Queues == nil || *p.Queues.Detection != 3 || *p.Queues.Analysis != 1 || p.Queues.Source != "backend" {
		t.Fatalf("queues = %+v", p.Queues)
	}
	if _, err := ParseBackendTelemetry([]byte(`{"queues":{},"latencies":{"detect":null}}`)); err == nil {
		t.Error("an answer without any number must be an error")
	}
	p, _ = ParseBackendTelemetry([]byte(`{"latencies":{"detect":{"avg_ms":1,"sample_count":0},"analyze":{"avg_ms":-5,"p95_ms":7}}}`))
	if p.Detect != nil {
		t.Error("a stage with 0 samples is unknown")
	}
	if p.Analyze == nil || p.Analyze.Avg != nil || *p.Analyze.P95 != 7 {
		t.Errorf("analyze = %+v: a negative average is unknown", p.Analyze)
	}
}

// backendServer replays the fixtures; ready503 selects the not-ready answer.
func backendServer(t testing.TB, ready503 bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(backendHandler(t, ready503))
	t.Cleanup(srv.Close)
	return srv
}

// backendHandler answers the backend's endpoints with the fixtures.
func backendHandler(t testing.TB, ready503 bool) http.HandlerFunc {
	t.Helper()
	stats := testenv.ReadFixture(t, "backend-stats.json")
	ready := testenv.ReadFixture(t, "backend-health-ready-200.json")
	if ready503 {
		ready = testenv.ReadFixture(t, "backend-health-ready-503.json")
	}
	telemetry := testenv.ReadFixture(t, "backend-telemetry.json")
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/system/stats":
			w.Write(stats)
		case "/api/system/health/ready":
			if ready503 {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
			w.Write(ready)
		case "/api/system/telemetry":
			w.Write(telemetry)
		case "/health":
			w.Write([]byte(`{"status":"healthy"}`))
		default:
			http.NotFound(w, r)
		}
	}
}

// The backend's three endpoints are asked together on one kept connection, tick after
// tick, and all three are read.
func TestBackendSourcePipelines(t *testing.T) {
	srv, conns := countingServer(t, backendHandler(t, false))
	src := backendSource(srv.URL, 2*time.Second)
	defer src.Close()
	for round := range 3 {
		res, err := src.Collect(context.Background())
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		r := res.Readings
		if r.Overview == nil || *r.Overview.CamerasTotal != 4 || r.Workers == nil || len(r.Workers.List) != 8 ||
			r.Inference.Detect == nil || *r.Inference.Detect.P95 != 82.3 {
			t.Fatalf("round %d: readings %+v", round, r)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for three collections, want 1", n)
	}
}

func newTestEngine(t testing.TB, stages []Stage, sources ...Source) *Engine {
	t.Helper()
	eng, err := NewEngine(Options{Interval: 5 * time.Second, Timeout: 3 * time.Second, Stages: stages}, sources...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, s := range sources {
			if c, ok := s.(interface{ Close() error }); ok {
				c.Close()
			}
		}
	})
	return eng
}

func TestBackendSource503(t *testing.T) {
	srv := backendServer(t, true)
	eng := newTestEngine(t, nil, backendSource(srv.URL, 2*time.Second))
	s := eng.Tick(context.Background())
	if !Fresh(s, "backend") {
		t.Fatalf("backend not fresh: %+v", s.Sources)
	}
	if s.Overview.Source != "backend" || *s.Overview.CamerasTotal != 4 || *s.Overview.DetectionsTotal != 45678 {
		t.Fatalf("overview = %+v", s.Overview)
	}
	if s.Workers.Source != "backend" || len(s.Workers.List) != 8 || s.Workers.Running() != 6 || *s.Workers.Ready {
		t.Fatalf("workers = %+v: the 503 body must be read", s.Workers)
	}
	in := s.Inference
	if in.DetectorLatency == nil || *in.DetectorLatency.P95 != 82.3 || in.LLMLatency == nil || *in.LLMLatency.P99 != 8204.1 {
		t.Fatalf("latency = %+v / %+v", in.DetectorLatency, in.LLMLatency)
	}
	if in.Queues == nil || *in.Queues.Detection != 3 || *in.Queues.Analysis != 1 {
		t.Fatalf("queues = %+v", in.Queues)
	}
	if in.Throughput != nil || in.Errors[snapshot.PartThroughput] != "no source configured (prometheus, postgres)" {
		t.Fatalf("throughput = %+v, reason %q", in.Throughput, in.Errors[snapshot.PartThroughput])
	}
	if in.PipelineLatency != nil || in.Errors[snapshot.PartPipeline] != "backend: no data" {
		t.Fatalf("pipeline reason = %q", in.Errors[snapshot.PartPipeline])
	}
}

func TestBackendSourcePartialAndDown(t *testing.T) {
	var broken atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() {
			http.Error(w, "oops", http.StatusInternalServerError)
			return
		}
		switch r.URL.Path {
		case "/api/system/stats":
			w.Write([]byte(`<html>gateway</html>`))
		case "/api/system/health/ready":
			w.Write([]byte(`{"ready":true,"workers":[{"name":"detection_worker","running":true,"message":null}]}`))
		default:
			http.Error(w, "nope", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	src := backendSource(srv.URL, time.Second)
	eng := newTestEngine(t, nil, src)
	s := eng.Tick(context.Background())
	if !Fresh(s, "backend") || len(s.Workers.List) != 1 || !s.Workers.List[0].Critical {
		t.Fatalf("workers = %+v", s.Workers)
	}
	if s.Overview.Source != "" || s.Overview.Error != "backend: stats: HTML instead of JSON" {
		t.Fatalf("overview = %+v", s.Overview)
	}
	broken.Store(true)
	s = eng.Tick(context.Background())
	st, _ := s.Source("backend")
	if st.OK || !strings.Contains(st.Error, "HTTP 500") {
		t.Fatalf("status = %+v", st)
	}
	// The stale workers list is still shown (the source's age says how old it is).
	if len(s.Workers.List) != 1 {
		t.Fatalf("stale workers = %+v", s.Workers)
	}
	srv.Close()
	down := backendSource(srv.URL, time.Second)
	defer down.Close()
	_, err := down.Collect(context.Background())
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v", err)
	}
}

func BenchmarkBackendCollect(b *testing.B) {
	srv := backendServer(b, false)
	src := backendSource(srv.URL, 2*time.Second)
	defer src.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.Collect(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// The configured backend.api_key is sent as X-API-Key on every request.
func TestBackendSendsAPIKey(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path] = r.Header.Get("X-API-Key")
		mu.Unlock()
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	src := NewBackendSource(config.ServiceConfig{Enabled: true, URL: config.SecretURL(srv.URL), APIKey: "k-123"}, reqTimeouts(time.Second))
	defer src.Close()
	src.Collect(context.Background())
	mu.Lock()
	defer mu.Unlock()
	for _, p := range []string{"/api/system/stats", "/api/system/health/ready", "/api/system/telemetry"} {
		if seen[p] != "k-123" {
			t.Errorf("%s got X-API-Key %q", p, seen[p])
		}
	}
}
