package collector

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
)

// partSource is a fake source that gives a detect latency and queue depth tagged with its
// name, or fails once it is told to (its last good result is then re-applied, stale).
type partSource struct {
	name snapshot.SourceName
	fail bool
}

func (p *partSource) Name() snapshot.SourceName { return p.name }
func (p *partSource) Collect(context.Context) (Result, error) {
	if p.fail {
		return Result{}, errors.New("down")
	}
	name := p.name
	parts := InferenceReadings{
		Detect: &snapshot.Latency{Avg: snapshot.F(1), Source: string(name)},
		Queues: &snapshot.Queues{Detection: snapshot.I(1), Source: string(name)},
	}
	return Result{Readings: Readings{Inference: parts}}, nil
}

func TestInferencePrecedence(t *testing.T) {
	redis, backend, prom := &partSource{name: "redis"}, &partSource{name: "backend"}, &partSource{name: "prometheus"}
	eng := newTestEngine(t, nil, redis, backend, prom)
	ctx := context.Background()
	check := func(want string) {
		t.Helper()
		s := eng.Tick(ctx)
		if s.Inference.DetectorLatency == nil || s.Inference.DetectorLatency.Source != want || s.Inference.Queues.Source != want {
			t.Fatalf("detect from %+v, want %s", s.Inference.DetectorLatency, want)
		}
	}
	check("prometheus")
	prom.fail = true
	check("backend") // a stale Prometheus never hides a fresh backend
	backend.fail = true
	check("redis") // nor a stale backend fresh Redis numbers
	redis.fail = true
	check("prometheus") // all stale: the preferred source's last value
	backend.fail = false
	check("backend")
}

func TestReasonsWhenNothingAnswers(t *testing.T) {
	down := func(name snapshot.SourceName) Source {
		return SourceFunc{SourceName: name, Fn: func(context.Context) (Result, error) {
			return Result{}, errors.New("connection refused")
		}}
	}
	eng := newTestEngine(t, nil, down("redis"), down("backend"), down("postgres"), down("prometheus"))
	s := eng.Tick(context.Background())
	in := s.Inference
	if in.DetectorLatency != nil || in.Queues != nil || in.Throughput != nil {
		t.Fatalf("inference = %+v", in)
	}
	if got := in.Errors[snapshot.PartDetect]; got != "prometheus: connection refused; backend: connection refused; redis: connection refused" {
		t.Fatalf("detect reason = %q", got)
	}
	if got := in.Errors[snapshot.PartThroughput]; got != "prometheus: connection refused; postgres: connection refused" {
		t.Fatalf("throughput reason = %q", got)
	}
	if s.Databases.PostgreSQL.Status != "unreachable" || s.Databases.PostgreSQL.Error != "postgres: connection refused" ||
		s.Databases.Redis.Error != "redis: connection refused" || s.Overview.Error == "" || s.Workers.Error == "" {
		t.Fatalf("databases %+v, overview %+v, workers %+v", s.Databases, s.Overview, s.Workers)
	}
	b, err := json.Marshal(wire.Performance(s))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"rtdetr_latency_ms":null`, `"throughput":null`, `"queues":null`, `"hit_ratio":null`, `"transactions_per_min":null`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

// TestPipelineEndToEnd builds the configured sources as hsi-top --once does, against the
// harness's real PostgreSQL, Redis and Prometheus and httptest backends, and checks every
// section it fills names its source.
func TestPipelineEndToEnd(t *testing.T) {
	promURL := testenv.PrometheusURL(t)
	redisURL := testenv.RedisFaultURL(t)
	dsn, conn := pgTestDB(t, testenv.PostgresDSN(t))
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE cameras (id serial PRIMARY KEY, status text)`,
		`CREATE TABLE events (id serial PRIMARY KEY, started_at timestamptz)`,
		`CREATE TABLE detections (id serial PRIMARY KEY, detected_at timestamptz)`,
		`INSERT INTO cameras (status) VALUES ('online')`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	rc := redisTestClient(t, redisURL)
	rc.RPush(ctx, "detection_queue", "x")
	serveExporter(t)
	backend := backendServer(t, true)
	frontend := backendServer(t, false)

	cfg := config.Default()
	cfg.Interval = config.Duration(5 * time.Second)
	cfg.SourceTimeout = config.Duration(3 * time.Second)
	cfg.GPU.Enabled, cfg.Detector.Enabled, cfg.LLM.Enabled = false, false, false
	cfg.Backend.URL, cfg.Frontend.URL = config.SecretURL(backend.URL), config.SecretURL(frontend.URL)
	cfg.Postgres.DSN = config.SecretURL(dsn)
	cfg.Redis.URL = config.SecretURL(redisURL)
	cfg.Prometheus.URL = config.SecretURL(promURL)
	built := Build(cfg)
	defer built.Close()
	eng, err := NewEngine(Options{Interval: cfg.Interval.D(), Timeout: cfg.SourceTimeout.D(), Prepare: built.Prepare, Stages: built.Stages}, built.Sources...)
	if err != nil {
		t.Fatal(err)
	}
	var s *snapshot.Snapshot
	if reason := eventually(150, 200*time.Millisecond, func() string {
		s = eng.Tick(ctx)
		for _, name := range []snapshot.SourceName{"redis", "backend", "postgres", "prometheus", "containers"} {
			if !Fresh(s, name) {
				st, _ := s.Source(name)
				return string(name) + ": " + st.Error
			}
		}
		if s.Inference.DetectorLatency == nil || s.Inference.DetectorLatency.Source != "prometheus" ||
			s.Inference.Throughput == nil || s.Inference.Throughput.Source != "prometheus" || s.Databases.PostgreSQL.TransactionsPerMin == nil {
			return "Prometheus has no samples yet"
		}
		return ""
	}); reason != "" {
		t.Fatal(reason)
	}

	if ov := s.Overview; ov.Source != "backend" || *ov.CamerasTotal != 4 || *ov.UptimeSeconds != 476412.6 {
		t.Errorf("overview = %+v: the fresh backend wins over the SQL counts", ov)
	}
	if w := s.Workers; w.Source != "backend" || len(w.List) != 8 || w.Running() != 6 || *w.Ready {
		t.Errorf("workers = %+v", w)
	}
	checkPromSections(t, s)
	if pg := s.Databases.PostgreSQL; pg.Status != "healthy" || pg.ConnectionsMaxSource != "max_connections" || pg.CacheHitRatio == nil {
		t.Errorf("postgres = %+v", pg)
	}
	if r := s.Databases.Redis; r.Status != "healthy" || r.MemoryUsedBytes == nil {
		t.Errorf("redis = %+v", r)
	}
	states := map[string]string{}
	for _, c := range s.Containers {
		states[c.Name] = c.State + "/" + c.Status + "/" + c.Health
	}
	want := map[string]string{
		"backend": "healthy/running/healthy", "frontend": "healthy/running/healthy", "postgres": "healthy/running/healthy",
		"redis": "healthy/running/healthy", "ai-detector": "unknown/unknown/none", "ai-llm": "unknown/unknown/none",
	}
	for name, w := range want {
		if states[name] != w {
			t.Errorf("container %s = %s, want %s", name, states[name], w)
		}
	}
	if len(s.Containers) != 6 || len(s.Containers[0].Timeline) < 2 {
		t.Errorf("containers = %+v", s.Containers)
	}
	if len(s.Inference.Errors) != 1 || s.Inference.Errors[snapshot.PartPipeline] == "" {
		t.Errorf("inference errors = %v: only the pipeline stage has no source here", s.Inference.Errors)
	}
	b, err := json.Marshal(wire.Performance(s))
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Inference struct {
			Rtdetr *struct{ Avg, P95, P99 *float64 } `json:"rtdetr_latency_ms"`
			Queues *struct{ Detection, Analysis *int64 }
		}
		Databases struct {
			PostgreSQL map[string]any `json:"postgresql"`
			Redis      map[string]any `json:"redis"`
		}
	}
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	if page.Inference.Rtdetr == nil || *page.Inference.Rtdetr.P95 != wantDetectP95MS || *page.Inference.Queues.Detection != 7 {
		t.Errorf("page inference = %s", b)
	}
	for _, k := range []string{"status", "connections_active", "connections_max", "cache_hit_ratio", "transactions_per_min"} {
		if _, ok := page.Databases.PostgreSQL[k]; !ok {
			t.Errorf("databases.postgresql lacks %s", k)
		}
	}
	for _, k := range []string{"status", "connected_clients", "memory_mb", "hit_ratio", "blocked_clients"} {
		if _, ok := page.Databases.Redis[k]; !ok {
			t.Errorf("databases.redis lacks %s", k)
		}
	}
}
