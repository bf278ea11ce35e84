package snapshot

// Alert severities.
const (
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// Alert is one active alert. The first five keys are exactly what the page accepts.
type Alert struct {
	Severity  string  `json:"severity"`
	Metric    string  `json:"metric"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	Message   string  `json:"message"`

	// Object is what the alert is about when a metric has several (a GPU index, a mount).
	Object string  `json:"object,omitempty"`
	Since  Time    `json:"since"`
	Peak   float64 `json:"peak"`
}

// AlertLogEntry is one alert's life: raised, peaked, cleared (or still ongoing).
type AlertLogEntry struct {
	Severity  string  `json:"severity"`
	Metric    string  `json:"metric"`
	Object    string  `json:"object,omitempty"`
	Message   string  `json:"message"`
	Threshold float64 `json:"threshold"`
	Raised    Time    `json:"raised"`
	// Cleared is nil while the alert is ongoing.
	Cleared         *Time   `json:"cleared"`
	Peak            float64 `json:"peak"`
	DurationSeconds float64 `json:"duration_seconds"`
}
