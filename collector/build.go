package collector

import (
	"io"
	"os"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/residency"
	"github.com/hsi-top/hsi-top/snapshot"
)

// Built is the set of sources and stages a configuration asks for.
type Built struct {
	Sources []Source
	// Stages run on each merged snapshot before history and alerts.
	Stages []Stage
	// Prepare sets per-snapshot settings (detector key, host name, container levels).
	Prepare func(s *snapshot.Snapshot)
	// Timeouts are the deadlines the sources were made with; the engine's per-source
	// deadline is Timeouts.Source.
	Timeouts Timeouts
	// GPUIndex is the device the page's gpu object shows (gpu.index).
	GPUIndex int
	closers  []io.Closer
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

// Build returns the sources and stages cfg asks for. Each source is made from its own
// configuration section and the timeouts derived once here; their order does not
// matter to the numbers (the resolver's precedence table decides between them), only to
// the cost of a tick (see where the host source is added).
func Build(cfg config.Config) *Built {
	t := TimeoutsFor(cfg.Interval.D(), cfg.SourceTimeout.D())
	b := &Built{Timeouts: t, GPUIndex: cfg.GPU.Index, Prepare: prepare(cfg)}
	if cfg.Detector.Enabled && cfg.Detector.URL != "" {
		b.add(NewDetectorSource(cfg.Detector, t))
	}
	if cfg.LLM.Enabled && cfg.LLM.URL != "" {
		b.add(NewLLMSource(cfg.LLM, t))
	}
	if cfg.Redis.Enabled && cfg.Redis.URL != "" {
		b.add(NewRedisSource(cfg.Redis, t))
	}
	if cfg.Backend.Enabled && cfg.Backend.URL != "" {
		b.add(NewBackendSource(cfg.Backend, t))
	}
	if cfg.Postgres.Enabled && cfg.Postgres.DSN != "" {
		b.add(NewPostgresSource(cfg.Postgres, t))
	}
	if cfg.Prometheus.Enabled && cfg.Prometheus.URL != "" {
		b.add(NewPrometheusSource(cfg.Prometheus, t))
	}
	if len(cfg.Containers) > 0 {
		rows := ContainerRows(cfg)
		b.add(NewContainersSource(rows, t))
		b.Stages = append(b.Stages, NewContainersStage(rows))
	}
	addContainersRuntime(cfg, b) // issue 14: docker.go
	// The sources that read this machine come last: the engine starts the sources in
	// this order and, on its one processor, they run as started (the last one first),
	// so the network sources' requests are out before /proc is read and parsed, and
	// their answers are mostly in when that is done: one wake-up for them instead of
	// several.
	b.add(NewHostSource(cfg.Host))
	b.add(NewSelfSource())
	if cfg.GPU.Enabled {
		nv := NewNVMLSource()
		// A failed start's dlopen ran libc's loader; a failure to hand its pages back
		// is the start-up trim's to report (main), not every minute's.
		nv.AfterFailedStart = func() { _, _ = residency.TrimLibraries() }
		b.add(nv)
	}
	b.Stages = append(b.Stages, NewVRAMStage(cfg)) // issue 14: vram_ledger.go
	return b
}

// prepare returns the per-snapshot settings of cfg: the host name, the detector's key
// and container_health's levels.
func prepare(cfg config.Config) func(s *snapshot.Snapshot) {
	hostname, _ := os.Hostname()
	detectorKey := cfg.Detector.Key
	rule := cfg.Alerts.Rules.ContainerHealth
	return func(s *snapshot.Snapshot) {
		s.Hostname = hostname
		s.ContainerLevels = snapshot.Levels{Warning: rule.Warning, Critical: rule.Critical}
		s.AIModels.DetectorKey = detectorKey
		s.Inference.DetectorKey = detectorKey
	}
}

// add registers a source and, when it holds resources, its Close.
func (b *Built) add(s Source) {
	b.Sources = append(b.Sources, s)
	if c, ok := s.(io.Closer); ok {
		b.closers = append(b.closers, c)
	}
}

// PromMinQueryInterval is how often the Prometheus queries run at most, whatever the
// collection interval (see PrometheusSource.MinQueryInterval).
const PromMinQueryInterval = 5 * time.Second

// PGSlowEvery is how often PostgreSQL's table counts and database size are read (see
// PostgresSource.SlowEvery).
const PGSlowEvery = 30 * time.Second
