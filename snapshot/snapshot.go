// Package snapshot is hsi-top's data model: one immutable Snapshot per collection tick,
// in base units (bytes as integers, durations in seconds or where a field says so in
// ms, percentages unrounded). The page's units, rounding and key names are applied in
// one place, package wire, which every JSON output (the feed, REST, --once --json)
// encodes through.
//
// Unknown numbers are nil pointers, never 0. Every section is always present. The
// package does no I/O.
package snapshot

import (
	"time"
)

// SchemaVersion is bumped whenever a key of hsi-top's own is renamed or retyped. The
// page's keys never change.
const SchemaVersion = 1

// Snapshot is everything hsi-top knows at one instant. It is built once per tick by the
// collector engine and never mutated after it is published: consumers share it by pointer.
type Snapshot struct {
	// Timestamp is when the tick that built this snapshot started (UTC).
	Timestamp Time `json:"timestamp"`

	// GPU is the primary device (index 0 or the configured one) as the page expects it;
	// nil when no GPU reading is available, so the page never receives a gpu object
	// without a name and a numeric utilization.
	GPU        *GPU       `json:"gpu"`
	AIModels   AIModels   `json:"ai_models"`
	Nemotron   LLM        `json:"nemotron"`
	Inference  Inference  `json:"inference"`
	Databases  Databases  `json:"databases"`
	Host       Host       `json:"host"`
	Containers Containers `json:"containers"`
	Alerts     []Alert    `json:"alerts"`

	// hsi-top's own keys below; the page ignores them.

	SchemaVersion int `json:"schema_version"`
	// Hostname is the machine hsi-top runs on.
	Hostname string `json:"hostname"`
	// GPUs lists every device, not only the primary one.
	GPUs []GPU `json:"gpus"`
	// GPUStatus says where the GPU numbers came from, or why there are none.
	GPUStatus GPUStatus `json:"gpu_status"`
	Overview  Overview  `json:"overview"`
	Workers   Workers   `json:"workers"`
	// AlertLog is the raise/clear history of alerts, most recent first.
	AlertLog []AlertLogEntry `json:"alert_log"`
	// Sources is the freshness of every configured source, sorted by name.
	Sources []SourceStatus `json:"sources"`
	// Self is hsi-top's own resource use.
	Self Self `json:"self"`
	// ContainerRuntime says which Engine API socket the container rows came from.
	ContainerRuntime ContainerRuntime `json:"container_runtime"`

	// ContainerLevels are the container_health rule's configured levels (how many
	// services down make a warning, a critical), for the views that colour by them.
	ContainerLevels Levels `json:"-"`
}

// New returns a snapshot with every section present and every number unknown: the
// starting point the engine applies source results to.
func New(ts time.Time) *Snapshot {
	return &Snapshot{
		Timestamp:     Time{ts.UTC()},
		AIModels:      AIModels{DetectorKey: DefaultDetectorKey, Detector: Detector{Status: StatusUnreachable}, Nemotron: LLM{Status: StatusUnreachable}},
		Nemotron:      LLM{Status: StatusUnreachable},
		Inference:     Inference{DetectorKey: DefaultDetectorKey},
		Databases:     Databases{PostgreSQL: PostgreSQL{Status: StatusUnreachable}, Redis: Redis{Status: StatusUnreachable}},
		Containers:    Containers{},
		Alerts:        []Alert{},
		SchemaVersion: SchemaVersion,
		GPUs:          []GPU{},
		AlertLog:      []AlertLogEntry{},
		Sources:       []SourceStatus{},
		Workers:       Workers{List: []Worker{}},

		ContainerLevels: DefaultContainerLevels,
	}
}

// Statuses a service section can report.
const (
	StatusHealthy     = "healthy"
	StatusDegraded    = "degraded"
	StatusUnhealthy   = "unhealthy"
	StatusUnreachable = "unreachable"
	StatusLoading     = "loading"
	StatusStarting    = "starting"
)

// Where numbers came from, for SourceStatus.Via and the sections' Source fields.
const (
	ViaNVML       = "nvml"
	ViaPrometheus = "prometheus"
	ViaBackend    = "backend"
	ViaRedis      = "redis"
	ViaSQL        = "sql"
	ViaHTTP       = "http"
	ViaHost       = "host"
	ViaDetector   = "detector"
)

// SourceStatus is one source's freshness: whether its last collection succeeded, when it
// last did, and how long the collection took.
type SourceStatus struct {
	Source SourceName `json:"source"`
	OK     bool       `json:"ok"`
	// LastSuccess is nil when the source never succeeded.
	LastSuccess *Time `json:"last_success"`
	// AgeSeconds is how old the data shown for this source is; nil when it has none.
	AgeSeconds *float64 `json:"age_seconds"`
	Error      string   `json:"error,omitempty"`
	DurationMS float64  `json:"duration_ms"`
	// Via names where the numbers came from (nvml, prometheus, backend, redis, sql, http, host).
	Via string `json:"via"`
}

// Stale reports whether the source's numbers are not from this tick.
func (s SourceStatus) Stale() bool { return !s.OK }

// Source returns the named source's status and whether it is configured.
func (s *Snapshot) Source(name SourceName) (SourceStatus, bool) {
	for _, st := range s.Sources {
		if st.Source == name {
			return st, true
		}
	}
	return SourceStatus{}, false
}

// Self is hsi-top's own footprint, shown in the footer and /metrics.
type Self struct {
	CPUPercent *float64 `json:"cpu_percent"`
	RSSBytes   *uint64  `json:"rss_bytes"`
	Goroutines int      `json:"goroutines"`
}
