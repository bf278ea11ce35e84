package alerts

import "github.com/hsi-top/hsi-top/snapshot"

// EventKind says what happened to an alert, for the notification channels.
type EventKind string

// Event kinds: an alert raised (or changed severity), cleared, or repeated because a
// critical one is still active after repeat_every.
const (
	EventRaise  EventKind = "raise"
	EventClear  EventKind = "clear"
	EventRepeat EventKind = "repeat"
)

// Event is one notification: what the webhook posts as JSON, and what ntfy and MQTT
// word their messages from.
type Event struct {
	Event     EventKind            `json:"event"`
	Severity  string               `json:"severity"`
	Metric    snapshot.AlertMetric `json:"metric"`
	Object    string               `json:"object,omitempty"`
	Value     float64              `json:"value"`
	Threshold float64              `json:"threshold"`
	Message   string               `json:"message"`
	// Raised is when the alert began; Cleared is set on a clear event only.
	Raised  snapshot.Time  `json:"raised"`
	Cleared *snapshot.Time `json:"cleared"`
	// Time is when the event was decided (the snapshot's timestamp).
	Time snapshot.Time `json:"time"`
	// Host is the machine hsi-top watches.
	Host string `json:"host"`
}

// Title is a short one-line heading for channels that have one (ntfy).
func (e Event) Title() string {
	switch e.Event {
	case EventClear:
		return "Resolved: " + string(e.Metric) + objectSuffix(e.Object)
	case EventRepeat:
		return "Still " + e.Severity + ": " + string(e.Metric) + objectSuffix(e.Object)
	default:
		return capitalised(e.Severity) + ": " + string(e.Metric) + objectSuffix(e.Object)
	}
}

func objectSuffix(o string) string {
	if o == "" {
		return ""
	}
	return " " + o
}

func capitalised(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
