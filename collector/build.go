package collector

import (
	"io"
	"os"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// Built is the set of sources and stages a configuration asks for.
type Built struct {
	Sources []Source
	// Stages run on each merged snapshot before history and alerts.
	Stages []Stage
	// Prepare sets per-snapshot settings (detector key, host name).
	Prepare func(s *snapshot.Snapshot)
	closers []io.Closer
}

// AddCloser registers something else to release on Close (the alert log file).
func (b *Built) AddCloser(c io.Closer) { b.closers = append(b.closers, c) }

// Close releases what the sources hold (connection pools, NVML).
func (b *Built) Close() error {
	var first error
	for _, c := range b.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Build returns the sources for cfg, in the order their results are applied: direct
// sources first, then the preferred ones (Prometheus) that override them while fresh,
// then the sources that summarise others (containers).
func Build(cfg config.Config) *Built {
	hostname, _ := os.Hostname()
	detectorKey := cfg.Detector.Key
	containerRule := cfg.Alerts.Rules.ContainerHealth
	b := &Built{
		Prepare: func(s *snapshot.Snapshot) {
			s.Hostname = hostname
			s.ContainerLevels = snapshot.Levels{Warning: containerRule.Warning, Critical: containerRule.Critical}
			s.AIModels.DetectorKey = detectorKey
			s.Inference.DetectorKey = detectorKey
		},
	}
	add := func(s Source) {
		b.Sources = append(b.Sources, s)
		if c, ok := s.(io.Closer); ok {
			b.closers = append(b.closers, c)
		}
	}
	add(NewHostSource(cfg.Host.Mounts))
	add(NewSelfSource())
	// HTTP sources finish a little before the engine's deadline, so a slow service's
	// section says "timeout" in the same tick instead of a tick later.
	httpTimeout := SubTimeout(cfg.Interval.D(), cfg.SourceTimeout.D())
	if cfg.GPU.Enabled {
		add(NewNVMLSource(cfg.GPU.Index))
	}
	if cfg.Detector.Enabled && cfg.Detector.URL != "" {
		add(NewDetectorSource(cfg.Detector, httpTimeout))
	}
	if cfg.LLM.Enabled && cfg.LLM.URL != "" {
		add(NewLLMSource(cfg.LLM, httpTimeout))
	}
	addPipeline(cfg, add, b)
	b.Stages = append(b.Stages, NewVRAMStage(cfg)) // issue 14: vram_ledger.go
	return b
}

// PromMinQueryInterval is how often the Prometheus queries run at most, whatever the
// collection interval (see PrometheusSource.MinQueryInterval).
const PromMinQueryInterval = 5 * time.Second

// PGSlowEvery is how often PostgreSQL's table counts and database size are read (see
// PostgresSource.SlowEvery).
const PGSlowEvery = 30 * time.Second

// addPipeline registers the pipeline's sources (their order does not matter: the
// resolver's table decides between them) and the stage that builds the container rows.
func addPipeline(cfg config.Config, add func(Source), b *Built) {
	timeout := SubTimeout(cfg.Interval.D(), cfg.SourceTimeout.D())
	if cfg.Redis.Enabled && cfg.Redis.URL != "" {
		add(NewRedisSource(cfg.Redis.URL.Value(), cfg.Redis.Password.Value(), timeout))
	}
	if cfg.Backend.Enabled && cfg.Backend.URL != "" {
		backend := NewBackendSource(cfg.Backend.URL.Value(), timeout)
		backend.APIKey = cfg.Backend.APIKey.Value()
		add(backend)
	}
	if cfg.Postgres.Enabled && cfg.Postgres.DSN != "" {
		pg := NewPostgresSource(cfg.Postgres.DSN.Value(), cfg.Postgres.PoolSize, timeout)
		pg.SlowEvery = PGSlowEvery
		add(pg)
	}
	if cfg.Prometheus.Enabled && cfg.Prometheus.URL != "" {
		prom := NewPrometheusSource(cfg.Prometheus.URL.Value(), cfg.Prometheus.Recheck.D(), timeout)
		prom.MinQueryInterval = PromMinQueryInterval
		add(prom)
	}
	if len(cfg.Containers) > 0 {
		add(NewContainersSource(cfg, min(ContainerProbeTimeout, timeout)))
	}
	if len(cfg.Containers) > 0 {
		b.Stages = append(b.Stages, NewContainersStage(cfg))
	}
}
