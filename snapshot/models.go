package snapshot

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// DefaultDetectorKey is the page's name for the object detector.
const DefaultDetectorKey = "rtdetr"

// NemotronKey is the page's name for the LLM.
const NemotronKey = "nemotron"

// AIModels is the page's ai_models object: the detector under its configurable key
// (rtdetr or yolo26) and the LLM under "nemotron".
type AIModels struct {
	DetectorKey string
	Detector    Detector
	Nemotron    LLM
}

// MarshalJSON writes {"<detector_key>": …, "nemotron": …}.
func (m AIModels) MarshalJSON() ([]byte, error) {
	key := m.DetectorKey
	if key == "" {
		key = DefaultDetectorKey
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
		if k == NemotronKey {
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

// Detector is the object detector's card. Status, VRAMGB, Model and Device are the page's.
type Detector struct {
	Status string   `json:"status"`
	VRAMGB *float64 `json:"vram_gb"`
	Model  *string  `json:"model"`
	Device *string  `json:"device"`

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
}

// LLMSlot is one llama.cpp slot's progress.
type LLMSlot struct {
	ID        int64  `json:"id"`
	Busy      bool   `json:"busy"`
	NDecoded  *int64 `json:"n_decoded,omitempty"`
	NRemain   *int64 `json:"n_remain,omitempty"`
	ContextSz *int64 `json:"n_ctx,omitempty"`
}
