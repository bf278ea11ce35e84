package collector

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/hsi-top/hsi-top/config"

	"github.com/hsi-top/hsi-top/snapshot"
)

// inferenceParts is what one source knows of the inference section; nil parts are
// unknown to it.
type inferenceParts struct {
	Detect, Analyze, Pipeline *snapshot.Latency
	Throughput                *snapshot.Throughput
	Queues                    *snapshot.Queues
}

// apply writes each known part into s under the precedence rule: a part is overwritten
// only when this source is fresh or nothing filled it yet. Sources apply in the order
// redis, backend, postgres, prometheus, so a fresh later source wins, and a stale one
// never hides a fresh earlier one.
func (p inferenceParts) apply(s *snapshot.Snapshot, fresh bool) {
	setPart(&s.Inference.DetectorLatency, p.Detect, fresh)
	setPart(&s.Inference.LLMLatency, p.Analyze, fresh)
	setPart(&s.Inference.PipelineLatency, p.Pipeline, fresh)
	setPart(&s.Inference.Throughput, p.Throughput, fresh)
	setPart(&s.Inference.Queues, p.Queues, fresh)
}

// setPart copies v into *dst when v has data and (fresh or *dst is unset). The copy keeps
// snapshots from sharing a struct a later tick could change.
func setPart[T any](dst **T, v *T, fresh bool) {
	if v == nil || (!fresh && *dst != nil) {
		return
	}
	c := *v
	*dst = &c
}

// sourceError says why a source gave nothing fresh this tick, for the sections it feeds.
func sourceError(s *snapshot.Snapshot, name snapshot.SourceName) string {
	st, ok := s.Source(name)
	switch {
	case !ok:
		return string(name) + ": not configured"
	case st.OK:
		return ""
	case st.Error != "":
		return string(name) + ": " + st.Error
	}
	return string(name) + ": no answer yet"
}

// partSources are the sources that can fill each inference part, preferred first.
var partSources = map[snapshot.Part][]snapshot.SourceName{
	snapshot.PartDetect:     {"prometheus", "backend", "redis"},
	snapshot.PartAnalyze:    {"prometheus", "backend", "redis"},
	snapshot.PartPipeline:   {"prometheus", "backend", "redis"},
	snapshot.PartThroughput: {"prometheus", "postgres"},
	snapshot.PartQueues:     {"prometheus", "backend", "redis"},
}

// NewReasonsStage returns the stage that explains every unknown part of the sections
// this package fills (inference parts, overview, workers, database cards) from the
// freshness of the sources that could have filled it. It runs after every Apply, so it
// also covers sources that never succeeded (whose Apply never ran).
func NewReasonsStage() Stage { return StageFunc(explainUnknown) }

func explainUnknown(s *snapshot.Snapshot) {
	parts := map[snapshot.Part]bool{
		snapshot.PartDetect:     s.Inference.DetectorLatency == nil,
		snapshot.PartAnalyze:    s.Inference.LLMLatency == nil,
		snapshot.PartPipeline:   s.Inference.PipelineLatency == nil,
		snapshot.PartThroughput: s.Inference.Throughput == nil,
		snapshot.PartQueues:     s.Inference.Queues == nil,
	}
	for part, unknown := range parts {
		if !unknown {
			if s.Inference.Errors != nil {
				delete(s.Inference.Errors, part)
			}
			continue
		}
		if s.Inference.Errors == nil {
			s.Inference.Errors = map[snapshot.Part]string{}
		}
		if s.Inference.Errors[part] == "" {
			s.Inference.Errors[part] = reasonFrom(s, partSources[part])
		}
	}
	if len(s.Inference.Errors) == 0 {
		s.Inference.Errors = nil
	}
	if s.Overview.Source == "" && s.Overview.Error == "" {
		s.Overview.Error = reasonFrom(s, []snapshot.SourceName{"backend", "postgres"})
	}
	if s.Workers.Source == "" && s.Workers.Error == "" {
		s.Workers.Error = reasonFrom(s, []snapshot.SourceName{"backend", "prometheus"})
	}
	if pg := &s.Databases.PostgreSQL; pg.Status == snapshot.StatusUnreachable && pg.Error == "" {
		pg.Error = sourceError(s, "postgres")
	}
	if r := &s.Databases.Redis; r.Status == snapshot.StatusUnreachable && r.Error == "" {
		r.Error = sourceError(s, "redis")
	}
}

// reasonFrom joins why each candidate source did not answer; a fresh candidate that still
// left the part empty had no data for it.
func reasonFrom(s *snapshot.Snapshot, candidates []snapshot.SourceName) string {
	var reasons []string
	configured := 0
	for _, name := range candidates {
		st, ok := s.Source(name)
		if !ok {
			continue
		}
		configured++
		switch {
		case st.OK:
			reasons = append(reasons, string(name)+": no data")
		case st.Error != "":
			reasons = append(reasons, string(name)+": "+st.Error)
		default:
			reasons = append(reasons, string(name)+": no answer yet")
		}
	}
	if configured == 0 {
		names := make([]string, len(candidates))
		for i, c := range candidates {
			names[i] = string(c)
		}
		return fmt.Sprintf("no source configured (%s)", strings.Join(names, ", "))
	}
	return strings.Join(reasons, "; ")
}

// urlPassword returns the password of a URL, or "" (for scrubbing error messages).
func urlPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

// PromMinQueryInterval is how often the Prometheus queries run at most, whatever the
// collection interval (see PrometheusSource.MinQueryInterval).
const PromMinQueryInterval = 5 * time.Second

// PGSlowEvery is how often PostgreSQL's table counts and database size are read (see
// PostgresSource.SlowEvery).
const PGSlowEvery = 30 * time.Second

// addPipeline registers this package's pipeline sources in the order their results are
// applied (redis, backend, postgres, prometheus, containers) and the stages that explain
// unknown parts and build the container rows.
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
		prom.MinQueryInterval, prom.GPUIndex = PromMinQueryInterval, cfg.GPU.Index
		add(prom)
	}
	if len(cfg.Containers) > 0 {
		add(NewContainersSource(cfg, min(ContainerProbeTimeout, timeout)))
	}
	b.Stages = append(b.Stages, NewReasonsStage())
	if len(cfg.Containers) > 0 {
		b.Stages = append(b.Stages, NewContainersStage(cfg))
	}
}
