package snapshot

// Inference is the page's inference object: stage latencies, throughput and queue depths.
// Each part is nil when no source answered, with the reason in Errors.
type Inference struct {
	// DetectorKey decides whether the wire encoding also sends the detect latency as
	// yolo26_latency_ms.
	DetectorKey string `json:"-"`

	DetectorLatency *Latency    `json:"rtdetr_latency_ms"`
	LLMLatency      *Latency    `json:"nemotron_latency_ms"`
	PipelineLatency *Latency    `json:"pipeline_latency_ms"`
	Throughput      *Throughput `json:"throughput"`
	Queues          *Queues     `json:"queues"`

	// Errors says, per part, why it is unknown (hsi-top's own key). The keys are the
	// parts' JSON names (rtdetr_latency_ms, nemotron_latency_ms, pipeline_latency_ms,
	// throughput, queues); a part that is known has no entry.
	Errors map[Part]string `json:"errors,omitempty"`
}

// Latency is one stage's latency over the last window, in milliseconds.
type Latency struct {
	Avg *float64 `json:"avg"`
	P95 *float64 `json:"p95"`
	P99 *float64 `json:"p99"`

	// Samples is how many measurements the statistics summarise; nil when the source
	// does not say (Prometheus quantiles).
	Samples *int64 `json:"samples"`
	// Window is the period the statistics cover, for example "5m".
	Window string `json:"window,omitempty"`
	Source string `json:"source"`
	// Note says what was odd about the data read, for example a latency list longer
	// than the stack keeps (only its newest samples were used).
	Note string `json:"note,omitempty"`
}

// Throughput is pipeline throughput per minute.
type Throughput struct {
	ImagesPerMin *float64 `json:"images_per_min"`
	EventsPerMin *float64 `json:"events_per_min"`
	Source       string   `json:"source"`
}

// Queues are the pipeline's queue depths.
type Queues struct {
	Detection *int64 `json:"detection"`
	Analysis  *int64 `json:"analysis"`
	// DetectionKey and AnalysisKey name the Redis keys the depth came from (plain or
	// hsi:queue: prefixed); when several hold items the depth is their sum and the
	// names are joined by "+".
	DetectionKey string `json:"detection_key,omitempty"`
	AnalysisKey  string `json:"analysis_key,omitempty"`
	Source       string `json:"source"`
}
