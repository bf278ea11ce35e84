package snapshot

// Names that cross packages, defined once: the collector writes them, the resolver, the
// alert rules, the views and the feed read them.

// SourceName names a collector source, in SourceStatus.Source and in the resolver's
// precedence table.
type SourceName string

// The sources hsi-top has.
const (
	SourceHost       SourceName = "host"
	SourceSelf       SourceName = "self"
	SourceNVML       SourceName = "nvml"
	SourceDetector   SourceName = "detector"
	SourceLLM        SourceName = "llm"
	SourceRedis      SourceName = "redis"
	SourceBackend    SourceName = "backend"
	SourcePostgres   SourceName = "postgres"
	SourcePrometheus SourceName = "prometheus"
	SourceContainers SourceName = "containers"
)

// Part names one multi-source part of the inference section: the key of
// Inference.Errors (and of the JSON's inference.errors), which is the part's JSON name.
type Part string

// The inference parts, in the order the views list them.
const (
	PartDetect     Part = "rtdetr_latency_ms"
	PartAnalyze    Part = "nemotron_latency_ms"
	PartPipeline   Part = "pipeline_latency_ms"
	PartThroughput Part = "throughput"
	PartQueues     Part = "queues"
)

// InferenceParts lists every Part, in display order.
var InferenceParts = [...]Part{PartDetect, PartAnalyze, PartPipeline, PartThroughput, PartQueues}

// AlertMetric names an alert rule (contract.md §5): Alert.Metric, AlertLogEntry.Metric
// and the key under alerts.rules in the configuration.
type AlertMetric string

// The alert rules.
const (
	MetricGPUUtilization     AlertMetric = "gpu_utilization"
	MetricGPUTemperature     AlertMetric = "gpu_temperature"
	MetricGPUVRAM            AlertMetric = "gpu_vram"
	MetricGPUPower           AlertMetric = "gpu_power"
	MetricDetectorLatencyP95 AlertMetric = "rtdetr_latency_p95"
	MetricLLMLatencyP95      AlertMetric = "nemotron_latency_p95"
	MetricPGConnections      AlertMetric = "pg_connections"
	MetricPGCacheHit         AlertMetric = "pg_cache_hit"
	MetricRedisMemory        AlertMetric = "redis_memory"
	MetricRedisHitRatio      AlertMetric = "redis_hit_ratio"
	MetricHostCPU            AlertMetric = "host_cpu"
	MetricHostRAM            AlertMetric = "host_ram"
	MetricHostDisk           AlertMetric = "host_disk"
	MetricContainerHealth    AlertMetric = "container_health"

	// GPU faults and limits (issue 14).
	MetricGPUThrottle AlertMetric = "gpu_throttle"
	MetricGPUXid      AlertMetric = "gpu_xid"
	MetricGPUPCIeLink AlertMetric = "gpu_pcie_link"
	MetricGPUECC      AlertMetric = "gpu_ecc"
)

// Service probe words of the containers configuration: a row whose probe is one of
// these takes its health from that source's section (or, for the backend and the
// frontend, from GET <URL>/health); any other probe is a URL.
const (
	ServiceBackend  = "backend"
	ServiceFrontend = "frontend"
)

// Levels are an alert rule's configured warning and critical levels, carried in the
// snapshot where a view needs them (the container panel's colour, system_status's
// health) so that no view hard-codes them.
type Levels struct {
	Warning  float64 `json:"warning"`
	Critical float64 `json:"critical"`
}

// DefaultContainerLevels are container_health's default levels (contract.md §5): a
// warning from one service down, critical from two.
var DefaultContainerLevels = Levels{Warning: 1, Critical: 2}

// ContainerRule returns the container_health levels the snapshot carries, or the
// defaults for a snapshot built without them (a literal in a test or a tool).
func (s *Snapshot) ContainerRule() Levels {
	if s.ContainerLevels == (Levels{}) {
		return DefaultContainerLevels
	}
	return s.ContainerLevels
}
