package snapshot

import "time"

// Alert severities.
const (
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// Alert is one active alert. The first five keys are exactly what the page accepts.
type Alert struct {
	Severity  string      `json:"severity"`
	Metric    AlertMetric `json:"metric"`
	Value     float64     `json:"value"`
	Threshold float64     `json:"threshold"`
	Message   string      `json:"message"`

	// Object is what the alert is about when a metric has several (a GPU index, a mount).
	Object string  `json:"object,omitempty"`
	Since  Time    `json:"since"`
	Peak   float64 `json:"peak"`

	// Silenced is set while the alert's notifications are held on every channel: a
	// snooze or an acknowledgement (hsi-top snooze, the dashboard's keys); nil otherwise.
	Silenced *Silence `json:"silenced,omitempty"`
}

// Silence is how an active alert is silenced.
type Silence struct {
	// Until is the end of a snooze; nil for an acknowledgement, which lasts until the
	// alert clears.
	Until *Time `json:"until"`
	// AllObjects is set when the snooze names the rule without an object (every mount,
	// every GPU of it).
	AllObjects bool `json:"all_objects,omitempty"`
}

// AlertLogEntry is one alert's life at one severity: raised, peaked, cleared (or still
// ongoing). An escalation from warning to critical ends the warning entry and starts a
// critical one at the same instant.
type AlertLogEntry struct {
	Severity string      `json:"severity"`
	Metric   AlertMetric `json:"metric"`
	Object   string      `json:"object,omitempty"`
	// Message is the alert's message when it was raised.
	Message   string  `json:"message"`
	Threshold float64 `json:"threshold"`
	Raised    Time    `json:"raised"`
	// Cleared is nil while the alert is ongoing.
	Cleared *Time `json:"cleared"`
	// Peak is the worst value seen: the highest, or the lowest for "less than" rules.
	Peak float64 `json:"peak"`
	// DurationSeconds is Cleared − Raised once cleared, and 0 while ongoing, so that an
	// unchanged log is shared by successive snapshots instead of copied into each; use
	// Duration for the time so far.
	DurationSeconds float64 `json:"duration_seconds"`
}

// Ongoing reports whether the alert has not cleared.
func (e AlertLogEntry) Ongoing() bool { return e.Cleared == nil }

// Duration is how long the alert lasted, or for an ongoing one, how long it has lasted
// at the instant now (the snapshot's timestamp).
func (e AlertLogEntry) Duration(now time.Time) time.Duration {
	end := now
	if e.Cleared != nil {
		end = e.Cleared.Time
	}
	return max(0, end.Sub(e.Raised.Time))
}
