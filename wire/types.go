package wire

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/hsi-top/hsi-top/snapshot"
)

// PerformanceData is performance_update's data (contract.md §3): the page's keys first,
// in the page's units, then hsi-top's own keys. Unknown numbers are null.
type PerformanceData struct {
	Timestamp snapshot.Time `json:"timestamp"`
	// GPU is the primary device; nil (null) when no GPU reading is available.
	GPU        *GPU             `json:"gpu"`
	AIModels   AIModels         `json:"ai_models"`
	Nemotron   LLM              `json:"nemotron"`
	Inference  Inference        `json:"inference"`
	Databases  Databases        `json:"databases"`
	Host       Host             `json:"host"`
	Containers []Container      `json:"containers"`
	Alerts     []snapshot.Alert `json:"alerts"`

	SchemaVersion int                      `json:"schema_version"`
	Hostname      string                   `json:"hostname"`
	GPUs          []GPU                    `json:"gpus"`
	GPUStatus     snapshot.GPUStatus       `json:"gpu_status"`
	Overview      snapshot.Overview        `json:"overview"`
	Workers       snapshot.Workers         `json:"workers"`
	AlertLog      []snapshot.AlertLogEntry `json:"alert_log"`
	Sources       []snapshot.SourceStatus  `json:"sources"`
	Self          Self                     `json:"self"`
	// ContainerRuntime is the Engine API socket read for the container rows (issue 14).
	ContainerRuntime snapshot.ContainerRuntime `json:"container_runtime"`
}

// GPU is one device. The first seven keys are the page's gpu object.
type GPU struct {
	Name        string   `json:"name"`
	Utilization *float64 `json:"utilization"`
	VRAMUsedGB  *float64 `json:"vram_used_gb"`
	VRAMTotalGB *float64 `json:"vram_total_gb"`
	VRAMPercent *float64 `json:"vram_percent"`
	Temperature *float64 `json:"temperature"`
	PowerWatts  *float64 `json:"power_watts"`

	Index             int                    `json:"index"`
	UUID              string                 `json:"uuid,omitempty"`
	MemoryUtilization *float64               `json:"memory_utilization"`
	MemoryUsedBytes   *uint64                `json:"memory_used_bytes"`
	MemoryTotalBytes  *uint64                `json:"memory_total_bytes"`
	MemoryFreeBytes   *uint64                `json:"memory_free_bytes"`
	PowerLimitWatts   *float64               `json:"power_limit_watts"`
	SMClockMHz        *float64               `json:"sm_clock_mhz"`
	FanPercent        *float64               `json:"fan_percent"`
	PerformanceState  *int                   `json:"performance_state"`
	ThrottleReasons   []string               `json:"throttle_reasons"`
	Processes         []snapshot.GPUProcess  `json:"processes"`
	Services          []snapshot.ServiceVRAM `json:"services"`
	Source            string                 `json:"source"`

	// Faults and limits (issue 14), in the snapshot's base units.
	ClockEvents        []snapshot.ClockEvent `json:"clock_events"`
	Xids               []snapshot.XidEvent   `json:"xid_events"`
	PCIe               *snapshot.PCIeLink    `json:"pcie"`
	ECC                *snapshot.ECCErrors   `json:"ecc"`
	EncoderUtilization *float64              `json:"encoder_utilization"`
	DecoderUtilization *float64              `json:"decoder_utilization"`
	VRAM               *snapshot.VRAMLedger  `json:"vram_ledger"`
}

// AIModels is ai_models: the detector under its configurable key (rtdetr or yolo26)
// and the LLM under "nemotron".
type AIModels struct {
	DetectorKey string
	Detector    Detector
	Nemotron    LLM
}

// MarshalJSON writes {"<detector_key>": …, "nemotron": …}.
func (m AIModels) MarshalJSON() ([]byte, error) {
	key := m.DetectorKey
	if key == "" {
		key = snapshot.DefaultDetectorKey
	}
	det, err := json.Marshal(m.Detector)
	if err != nil {
		return nil, err
	}
	llm, err := json.Marshal(m.Nemotron)
	if err != nil {
		return nil, err
	}
	keyJSON, _ := json.Marshal(key)
	var b bytes.Buffer
	b.Grow(len(det) + len(llm) + len(key) + 20)
	b.WriteByte('{')
	b.Write(keyJSON)
	b.WriteByte(':')
	b.Write(det)
	b.WriteString(`,"nemotron":`)
	b.Write(llm)
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads the nemotron key and takes the one other key as the detector.
func (m *AIModels) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for k, v := range raw {
		if k == snapshot.NemotronKey {
			if err := json.Unmarshal(v, &m.Nemotron); err != nil {
				return fmt.Errorf("ai_models.nemotron: %w", err)
			}
			continue
		}
		m.DetectorKey = k
		if err := json.Unmarshal(v, &m.Detector); err != nil {
			return fmt.Errorf("ai_models.%s: %w", k, err)
		}
	}
	return nil
}

// Detector is the detector's card. Status, VRAMGB, Model and Device are the page's.
type Detector struct {
	Status          string   `json:"status"`
	VRAMGB          *float64 `json:"vram_gb"`
	Model           *string  `json:"model"`
	Device          *string  `json:"device"`
	ModelLoaded     *bool    `json:"model_loaded,omitempty"`
	CUDAAvailable   *bool    `json:"cuda_available,omitempty"`
	GPUUtilization  *float64 `json:"gpu_utilization,omitempty"`
	Temperature     *float64 `json:"temperature,omitempty"`
	PowerWatts      *float64 `json:"power_watts,omitempty"`
	TensorRTEnabled *bool    `json:"tensorrt_enabled,omitempty"`
	Error           string   `json:"error,omitempty"`
}

// LLM is the llama.cpp card: the page's four keys, then hsi-top's own.
type LLM struct {
	Status                string             `json:"status"`
	SlotsActive           *int64             `json:"slots_active"`
	SlotsTotal            *int64             `json:"slots_total"`
	ContextSize           *int64             `json:"context_size"`
	Slots                 []snapshot.LLMSlot `json:"slots,omitempty"`
	SlotsError            string             `json:"slots_error,omitempty"`
	Model                 *string            `json:"model,omitempty"`
	TokensPerSecond       *float64           `json:"tokens_per_second"`
	PromptTokensPerSecond *float64           `json:"prompt_tokens_per_second"`
	KVCacheUsageRatio     *float64           `json:"kv_cache_usage_ratio"`
	RequestsProcessing    *float64           `json:"requests_processing"`
	RequestsDeferred      *float64           `json:"requests_deferred"`
	MetricsError          string             `json:"metrics_error,omitempty"`
	Error                 string             `json:"error,omitempty"`

	// From /props and /v1/models (llm_props.go); nil when the server does not say.
	ModelFile      *string `json:"model_file"`
	NCtx           *int64  `json:"n_ctx"`
	GPULayers      *int64  `json:"gpu_layers"`
	ModelLayers    *int64  `json:"model_layers"`
	ModelSizeBytes *uint64 `json:"model_size_bytes"`
	PropsError     string  `json:"props_error,omitempty"`
	// VRAMUsedBytes is the GPU memory the LLM's processes hold (from NVML's process list).
	VRAMUsedBytes *uint64 `json:"vram_used_bytes"`
	// OffloadWarning says when the model runs (partly) on the CPU: fewer layers on the GPU
	// than the model has, or far less GPU memory held than the model's size.
	OffloadWarning string `json:"offload_warning,omitempty"`
}

// Inference is the page's inference object. With a detector key other than rtdetr the
// detect latency is also sent under "<key>_latency_ms" (yolo26_latency_ms), as the page
// reads the key named after the detector.
type Inference struct {
	DetectorKey     string                   `json:"-"`
	DetectorLatency *Latency                 `json:"rtdetr_latency_ms"`
	LLMLatency      *Latency                 `json:"nemotron_latency_ms"`
	PipelineLatency *Latency                 `json:"pipeline_latency_ms"`
	Throughput      *Throughput              `json:"throughput"`
	Queues          *Queues                  `json:"queues"`
	Errors          map[snapshot.Part]string `json:"errors,omitempty"`
}

type inferenceJSON Inference

// MarshalJSON adds yolo26_latency_ms beside rtdetr_latency_ms for the yolo26 detector.
func (in Inference) MarshalJSON() ([]byte, error) {
	if in.DetectorKey == "" || in.DetectorKey == snapshot.DefaultDetectorKey {
		return json.Marshal(inferenceJSON(in))
	}
	return json.Marshal(struct {
		inferenceJSON
		Alias *Latency `json:"yolo26_latency_ms"`
	}{inferenceJSON(in), in.DetectorLatency})
}

// Latency is one stage's latency in ms.
type Latency struct {
	Avg     *float64 `json:"avg"`
	P95     *float64 `json:"p95"`
	P99     *float64 `json:"p99"`
	Samples *int64   `json:"samples"`
	Window  string   `json:"window,omitempty"`
	Source  string   `json:"source"`
	Note    string   `json:"note,omitempty"`
}

// Throughput is pipeline throughput per minute.
type Throughput struct {
	ImagesPerMin *float64 `json:"images_per_min"`
	EventsPerMin *float64 `json:"events_per_min"`
	Source       string   `json:"source"`
}

// Queues are the pipeline's queue depths.
type Queues struct {
	Detection    *int64 `json:"detection"`
	Analysis     *int64 `json:"analysis"`
	DetectionKey string `json:"detection_key,omitempty"`
	AnalysisKey  string `json:"analysis_key,omitempty"`
	Source       string `json:"source"`
}

// Databases is the page's databases object.
type Databases struct {
	PostgreSQL PostgreSQL `json:"postgresql"`
	Redis      Redis      `json:"redis"`
}

// PostgreSQL is the database card. The first five keys are the page's.
type PostgreSQL struct {
	Status               string   `json:"status"`
	ConnectionsActive    *int64   `json:"connections_active"`
	ConnectionsMax       *int64   `json:"connections_max"`
	CacheHitRatio        *float64 `json:"cache_hit_ratio"`
	TransactionsPerMin   *float64 `json:"transactions_per_min"`
	ConnectionsTotal     *int64   `json:"connections_total"`
	ConnectionsMaxSource string   `json:"connections_max_source,omitempty"`
	DatabaseSizeBytes    *int64   `json:"database_size_bytes"`
	LongestTxSeconds     *float64 `json:"longest_transaction_seconds"`
	PingMS               *float64 `json:"ping_ms"`
	Error                string   `json:"error,omitempty"`
}

// Redis is the Redis card. The first five keys are the page's; memory is in MiB.
type Redis struct {
	Status           string   `json:"status"`
	ConnectedClients *int64   `json:"connected_clients"`
	MemoryMB         *float64 `json:"memory_mb"`
	HitRatio         *float64 `json:"hit_ratio"`
	BlockedClients   *int64   `json:"blocked_clients"`
	HitRatioNote     string   `json:"hit_ratio_note,omitempty"`
	MaxMemoryMB      *float64 `json:"maxmemory_mb"`
	EvictedKeys      *int64   `json:"evicted_keys"`
	OpsPerSecond     *float64 `json:"ops_per_second"`
	Version          string   `json:"version,omitempty"`
	PingMS           *float64 `json:"ping_ms"`
	Error            string   `json:"error,omitempty"`
}

// Host is the machine's numbers. The first seven keys are the page's (the root
// filesystem's disk); sizes are GiB.
type Host struct {
	CPUPercent    *float64  `json:"cpu_percent"`
	RAMUsedGB     *float64  `json:"ram_used_gb"`
	RAMTotalGB    *float64  `json:"ram_total_gb"`
	RAMPercent    *float64  `json:"ram_percent"`
	DiskUsedGB    *float64  `json:"disk_used_gb"`
	DiskTotalGB   *float64  `json:"disk_total_gb"`
	DiskPercent   *float64  `json:"disk_percent"`
	CPUPerCore    []float64 `json:"cpu_per_core"`
	CPUCount      int       `json:"cpu_count"`
	Load          []float64 `json:"load_avg"`
	NetRxBytesSec *float64  `json:"net_rx_bytes_per_sec"`
	NetTxBytesSec *float64  `json:"net_tx_bytes_per_sec"`
	UptimeSeconds *float64  `json:"uptime_seconds"`
	Mounts        []Mount   `json:"mounts"`
}

// Mount is one filesystem's usage.
type Mount struct {
	Path       string   `json:"path"`
	UsedBytes  uint64   `json:"used_bytes"`
	TotalBytes uint64   `json:"total_bytes"`
	UsedGB     *float64 `json:"used_gb"`
	TotalGB    *float64 `json:"total_gb"`
	Percent    *float64 `json:"percent"`
	Error      string   `json:"error,omitempty"`
}

// Container is one service's row. Name, Status and Health are the page's keys.
type Container struct {
	Name       string         `json:"name"`
	Status     string         `json:"status"`
	Health     string         `json:"health"`
	Probe      string         `json:"probe"`
	State      string         `json:"state"`
	Timeline   []string       `json:"timeline"`
	LastChange *snapshot.Time `json:"last_change"`
	LatencyMS  *float64       `json:"latency_ms"`
	Error      string         `json:"error,omitempty"`
	// Runtime is the container as the Engine API reports it (issue 14); nil without it.
	Runtime *snapshot.RuntimeInfo `json:"runtime"`
}

// Self is hsi-top's own footprint.
type Self struct {
	CPUPercent *float64 `json:"cpu_percent"`
	RSSBytes   *uint64  `json:"rss_bytes"`
	Goroutines int      `json:"goroutines"`
}
