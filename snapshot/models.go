package snapshot

// DefaultDetectorKey is the page's name for the object detector.
const DefaultDetectorKey = "rtdetr"

// NemotronKey is the page's name for the LLM.
const NemotronKey = "nemotron"

// AIModels are the two AI models' cards; the page's ai_models object carries the
// detector under DetectorKey (rtdetr or yolo26) and the LLM under "nemotron" (see
// package wire).
type AIModels struct {
	DetectorKey string
	Detector    Detector
	Nemotron    LLM
}

// Detector is the object detector's card. Status, VRAMGB, Model and Device are the page's.
type Detector struct {
	Status string `json:"status"`
	// VRAMUsedBytes is the GPU memory the detector's own tensors use (its vram_used_gb).
	VRAMUsedBytes *uint64 `json:"vram_used_bytes"`
	Model         *string `json:"model"`
	Device        *string `json:"device"`

	ModelLoaded     *bool    `json:"model_loaded,omitempty"`
	CUDAAvailable   *bool    `json:"cuda_available,omitempty"`
	GPUUtilization  *float64 `json:"gpu_utilization,omitempty"`
	Temperature     *float64 `json:"temperature,omitempty"`
	PowerWatts      *float64 `json:"power_watts,omitempty"`
	TensorRTEnabled *bool    `json:"tensorrt_enabled,omitempty"`
	// Error is why the status is not healthy, in a few words.
	Error string `json:"error,omitempty"`
}

// LLM is the llama.cpp server's card: the page's four keys, then hsi-top's own.
type LLM struct {
	Status      string `json:"status"`
	SlotsActive *int64 `json:"slots_active"`
	SlotsTotal  *int64 `json:"slots_total"`
	ContextSize *int64 `json:"context_size"`

	// Slots is per-slot progress (never prompt or generated text); nil when unknown.
	Slots []LLMSlot `json:"slots,omitempty"`
	// SlotsError says why the slot numbers are unknown (/slots disabled, unauthorised).
	SlotsError            string   `json:"slots_error,omitempty"`
	Model                 *string  `json:"model,omitempty"`
	TokensPerSecond       *float64 `json:"tokens_per_second"`
	PromptTokensPerSecond *float64 `json:"prompt_tokens_per_second"`
	KVCacheUsageRatio     *float64 `json:"kv_cache_usage_ratio"`
	RequestsProcessing    *float64 `json:"requests_processing"`
	RequestsDeferred      *float64 `json:"requests_deferred"`
	// MetricsError says why the /metrics numbers are unknown (disabled, unreadable).
	MetricsError string `json:"metrics_error,omitempty"`
	Error        string `json:"error,omitempty"`

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

// LLMSlot is one llama.cpp slot's progress.
type LLMSlot struct {
	ID        int64  `json:"id"`
	Busy      bool   `json:"busy"`
	NDecoded  *int64 `json:"n_decoded,omitempty"`
	NRemain   *int64 `json:"n_remain,omitempty"`
	ContextSz *int64 `json:"n_ctx,omitempty"`
}
