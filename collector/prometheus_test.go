package collector

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
)

func near(got *float64, want, tol float64) bool {
	return got != nil && math.Abs(*got-want) <= tol
}

// waitForPrometheus ticks until Prometheus has scraped the exporter long enough for every
// section (two scrapes inside the rate window), or gives up with the last reason.
func waitForPrometheus(t *testing.T, eng *Engine) *snapshot.Snapshot {
	t.Helper()
	var s *snapshot.Snapshot
	if reason := eventually(150, 200*time.Millisecond, func() string {
		s = eng.Tick(context.Background())
		in := s.Inference
		switch {
		case !Fresh(s, "prometheus"):
			st, _ := s.Source("prometheus")
			return "prometheus: " + st.Error
		case in.DetectorLatency == nil || in.DetectorLatency.Source != "prometheus" || in.DetectorLatency.P95 == nil:
			return "no detect quantiles yet"
		case in.LLMLatency == nil || in.LLMLatency.P99 == nil:
			return "no analyze quantiles yet"
		case in.Throughput == nil || in.Throughput.Source != "prometheus" || in.Throughput.EventsPerMin == nil:
			return "no throughput yet"
		case in.Queues == nil || in.Queues.Source != "prometheus":
			return "no queues yet"
		}
		return ""
	}); reason != "" {
		t.Fatalf("Prometheus never had the exporter's samples: %s", reason)
	}
	return s
}

func checkPromSections(t *testing.T, s *snapshot.Snapshot) {
	t.Helper()
	in := s.Inference
	d, a := in.DetectorLatency, in.LLMLatency
	if !near(d.P95, wantDetectP95MS, 0.01) || !near(d.P99, wantDetectP99MS, 0.01) || !near(d.Avg, wantDetectAvgMS, 0.01) || d.Window != "5m" {
		t.Errorf("detect = avg %v p95 %v p99 %v, want %v %v %v", *d.Avg, *d.P95, *d.P99, wantDetectAvgMS, wantDetectP95MS, wantDetectP99MS)
	}
	if !near(a.P95, wantAnalyzeP95MS, 0.01) || !near(a.P99, wantAnalyzeP99MS, 0.01) || !near(a.Avg, wantAnalyzeAvgMS, 0.01) {
		t.Errorf("analyze = avg %v p95 %v p99 %v", *a.Avg, *a.P95, *a.P99)
	}
	if in.Queues.Detection == nil || *in.Queues.Detection != 7 || *in.Queues.Analysis != 2 {
		t.Errorf("queues = %+v", in.Queues)
	}
	// rate()[5m] only reaches the true rate once the window is full of samples, which a
	// test cannot wait for; the two counters are scraped together, so their ratio is exact.
	tp := in.Throughput
	if *tp.ImagesPerMin <= 0 || *tp.ImagesPerMin > exporterDetections*60*1.05 ||
		math.Abs(*tp.ImagesPerMin / *tp.EventsPerMin - exporterDetections/exporterEvents) > 0.1 {
		t.Errorf("throughput = %v images/min, %v events/min (ratio must be %v)", *tp.ImagesPerMin, *tp.EventsPerMin, exporterDetections/exporterEvents)
	}
	g := s.GPU
	if g == nil || g.Name != "Test GPU" || *g.Utilization != 38.5 || *snapshot.InGiB(g.MemoryUsedBytes) != 10 || *snapshot.InGiB(g.MemoryTotalBytes) != 24 ||
		*snapshot.Round(g.VRAMPercent, 1) != 41.7 || *g.Temperature != 61 || g.Source != "prometheus" || s.GPUStatus.Source != "prometheus" {
		t.Errorf("gpu = %+v, status %+v", g, s.GPUStatus)
	}
}

func TestPrometheusRealServer(t *testing.T) {
	promURL := testenv.PrometheusURL(t)
	serveExporter(t)
	src := promSource(promURL, time.Minute, 2*time.Second)
	eng := newTestEngine(t, nil, src)
	s := waitForPrometheus(t, eng)
	checkPromSections(t, s)
	if s.Workers.Source != "prometheus" || len(s.Workers.List) != 8 || s.Workers.Running() != 7 {
		t.Fatalf("workers = %+v", s.Workers)
	}
	for _, w := range s.Workers.List {
		if w.Name == "analysis_worker" && (w.State != "crashed" || !w.Critical) {
			t.Fatalf("analysis_worker = %+v", w)
		}
	}
	if _, err := src.client.Query(context.Background(), "sum(", time.Time{}); err == nil || !strings.Contains(err.Error(), "bad_data") {
		t.Fatalf("a bad query must give Prometheus's reason: %v", err)
	}
}

// TestPrometheusFallback runs Prometheus beside the direct sources (Redis here), stops it,
// and checks the sections fall back at once; the readiness answer is cached until the
// re-check period passes, after which Prometheus wins again.
func TestPrometheusFallback(t *testing.T) {
	promURL := testenv.PrometheusURL(t)
	redisURL := testenv.RedisFaultURL(t)
	rc := redisTestClient(t, redisURL)
	ctx := context.Background()
	rc.RPush(ctx, "detection_queue", "a", "b", "c")
	for _, v := range []string{"10", "20", "30"} {
		rc.RPush(ctx, "telemetry:latency:detect", v)
	}
	serveExporter(t)
	clk := &clockFunc{t: time.Now()}
	prom := promSource(promURL, time.Minute, 2*time.Second)
	prom.Now = clk.now
	eng := newTestEngine(t, nil, redisSource(redisURL, "", 2*time.Second), prom)
	s := waitForPrometheus(t, eng)
	if q := s.Inference.Queues; q.Source != "prometheus" || *q.Detection != 7 {
		t.Fatalf("queues while Prometheus is ready = %+v", q)
	}

	testenv.StopServer(t, "prometheus")
	stopped := true
	t.Cleanup(func() {
		if !stopped {
			return
		}
		testenv.StartServer(t, "prometheus")
		pc := NewPromClient(promURL, time.Second)
		defer pc.CloseIdle()
		eventually(100, 100*time.Millisecond, func() string {
			if err := pc.Ready(context.Background()); err != nil {
				return err.Error()
			}
			return ""
		})
	})
	s = eng.Tick(ctx)
	st, _ := s.Source("prometheus")
	if st.OK || !strings.Contains(st.Error, "connection refused") {
		t.Fatalf("prometheus status = %+v", st)
	}
	q, d := s.Inference.Queues, s.Inference.DetectorLatency
	if q.Source != "redis" || *q.Detection != 3 || d.Source != "redis" || *d.Avg != 20 || s.Inference.Throughput.Source != "prometheus" {
		t.Fatalf("after the stop: queues %+v, detect %+v, throughput %+v", q, d, s.Inference.Throughput)
	}
	if s.GPU == nil || s.GPU.Source != "prometheus" {
		t.Fatalf("a stale GPU reading still fills an empty GPU card: %+v", s.GPU)
	}

	// That failed query invalidated the readiness cache: this tick asks /-/ready again,
	// which is refused.
	s = eng.Tick(ctx)
	if st, _ := s.Source("prometheus"); st.OK || !strings.Contains(st.Error, "/-/ready") {
		t.Fatalf("prometheus status after the re-check = %+v", st)
	}
	testenv.StartServer(t, "prometheus")
	stopped = false
	// A failed readiness is not cached (issue 10 item 9; before, "not ready" stood for
	// the whole re-check period, here a minute): the next ticks ask again, with no time
	// passing on the source's clock, and Prometheus wins as soon as it answers.
	if reason := eventually(100, 200*time.Millisecond, func() string {
		s = eng.Tick(ctx)
		if !Fresh(s, "prometheus") || s.Inference.Queues.Source != "prometheus" {
			st, _ := s.Source("prometheus")
			return fmt.Sprintf("%+v", st)
		}
		return ""
	}); reason != "" {
		t.Fatalf("Prometheus did not win again within the re-check period: %s", reason)
	}
	if strings.Contains(fmt.Sprint(s.Sources), "cached") {
		t.Fatalf("a fresh answer is described as cached: %+v", s.Sources)
	}
}

func BenchmarkPrometheusCollect(b *testing.B) {
	promURL := testenv.PrometheusURL(b)
	serveExporter(b)
	src := promSource(promURL, time.Minute, 2*time.Second)
	defer src.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.Collect(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// Within MinQueryInterval a collection reuses the last round's answer instead of asking
// Prometheus the same six queries again; after it, or after a failure, it asks again.
func TestPrometheusMinQueryInterval(t *testing.T) {
	var queries atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/-/ready" {
			w.Write([]byte("Prometheus Server is Ready.\n"))
			return
		}
		queries.Add(1)
		w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
	}))
	defer srv.Close()
	now := time.Unix(1000, 0)
	src := promSource(srv.URL, time.Minute, time.Second)
	defer src.Close()
	src.Now = func() time.Time { return now }
	src.MinQueryInterval = 5 * time.Second
	ctx := context.Background()
	for i, step := range []struct {
		advance time.Duration
		want    int32
	}{{0, 6}, {time.Second, 6}, {3 * time.Second, 6}, {time.Second, 12}, {time.Second, 12}} {
		now = now.Add(step.advance)
		if _, err := src.Collect(ctx); err != nil {
			t.Fatal(err)
		}
		if got := queries.Load(); got != step.want {
			t.Errorf("collection %d: %d queries so far, want %d", i, got, step.want)
		}
	}
}

// When NVML cannot start (it still reports as a fresh source, with the reason), the
// Prometheus GPU numbers fill the GPU section, the configured index is the page's gpu,
// and they win over numbers the detector synthesised; NVML devices are never replaced.
func TestPrometheusGPUFallbackWhenNVMLUnavailable(t *testing.T) {
	build := func(nvmlDevices bool) *snapshot.Snapshot {
		nv := Result{Readings: Readings{GPU: &GPUReading{Status: snapshot.GPUStatus{Error: "NVIDIA driver library (libnvidia-ml.so.1) not found"}}}}
		if nvmlDevices {
			nv.Readings.GPU = &GPUReading{Devices: []snapshot.GPU{{Name: "A", Index: 1, Utilization: snapshot.F(1), Source: "nvml"}}}
		}
		det := Result{Readings: Readings{GPU: &GPUReading{Devices: []snapshot.GPU{{Name: "cuda:0", Utilization: snapshot.F(37), Source: "detector"}}}}}
		r := PromSections{GPUs: []snapshot.GPU{
			{Name: "GPU 0", Index: 0, Utilization: snapshot.F(10), Source: "prometheus"},
			{Name: "GPU 1", Index: 1, Utilization: snapshot.F(41.7), Source: "prometheus"},
		}}
		return Assemble(time.Unix(0, 0), 1, map[snapshot.SourceName]Result{"nvml": nv, "prometheus": {Readings: r.readings()}, "detector": det})
	}
	s := build(false)
	if s.GPUStatus.Source != snapshot.ViaPrometheus || len(s.GPUs) != 2 || s.GPU == nil || s.GPU.Name != "GPU 1" || *s.GPU.Utilization != 41.7 {
		t.Errorf("fallback: status %+v, gpus %d, gpu %+v", s.GPUStatus, len(s.GPUs), s.GPU)
	}
	if !strings.Contains(s.GPUStatus.Error, "libnvidia-ml") {
		t.Errorf("NVML's reason was lost: %+v", s.GPUStatus)
	}
	if s = build(true); s.GPUStatus.Source != snapshot.ViaNVML || s.GPU.Name != "A" {
		t.Errorf("NVML devices were replaced: %+v", s.GPU)
	}
}
