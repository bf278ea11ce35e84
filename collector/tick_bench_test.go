package collector

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
)

// BenchmarkTickAllSources is one engine tick with every source configured against
// loopback: the harness's PostgreSQL, Redis and Prometheus and fixture-replaying HTTP
// fakes of the backend, detector, llama.cpp and frontend (NVML has no device here and
// reports that). Besides ns/op (wall time, which waits for the slowest source) it reports
// cpu-ms/op from getrusage: the process's CPU per tick, an upper bound, since the fakes
// serve from this process too.
func BenchmarkTickAllSources(b *testing.B) {
	backend := backendServer(b, false)
	detector := newReplayServer(b, map[string]route{"/health": {200, testenv.ReadFixture(b, "detector-health-rtdetr.json")}})
	llm := newReplayServer(b, llmRoutes(b, "llm-slots-current.json"))
	cfg := config.Default()
	cfg.Interval, cfg.SourceTimeout = config.Duration(5*time.Second), config.Duration(2*time.Second)
	cfg.Backend.URL, cfg.Frontend.URL = config.SecretURL(backend.URL), config.SecretURL(backend.URL)
	cfg.Detector.URL, cfg.LLM.URL = config.SecretURL(detector.URL), config.SecretURL(llm.URL)
	cfg.Postgres.DSN = config.SecretURL(testenv.PostgresDSN(b))
	cfg.Redis.URL = config.SecretURL(testenv.RedisURL(b))
	cfg.Prometheus.URL = config.SecretURL(testenv.PrometheusURL(b))
	built := Build(cfg)
	defer built.Close()
	eng, err := NewEngine(Options{Interval: cfg.Interval.D(), Timeout: cfg.SourceTimeout.D(), Prepare: built.Prepare, Stages: built.Stages}, built.Sources...)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s := eng.Tick(ctx) // connect pools, start NVML
	for _, name := range []snapshot.SourceName{"host", "backend", "detector", "llm", "postgres", "redis", "prometheus", "containers"} {
		if !Fresh(s, name) {
			st, _ := s.Source(name)
			b.Fatalf("%s is not fresh: %s", name, st.Error)
		}
	}
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := cpu()
	for i := 0; i < b.N; i++ {
		eng.Tick(ctx)
	}
	b.ReportMetric(float64(cpu()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}
