package snapshot

// Overview is the System Overview card (hsi-top's own key; the page gets these numbers
// from the backend directly, and system_status carries the camera counts).
type Overview struct {
	CamerasTotal    *int64   `json:"cameras_total"`
	CamerasActive   *int64   `json:"cameras_active"`
	EventsTotal     *int64   `json:"events_total"`
	DetectionsTotal *int64   `json:"detections_total"`
	UptimeSeconds   *float64 `json:"uptime_seconds"`
	Source          string   `json:"source"`
	Error           string   `json:"error,omitempty"`
}

// CriticalWorkers are the workers whose failure stops the pipeline.
var CriticalWorkers = map[string]bool{"detection_worker": true, "analysis_worker": true}

// Workers is the Background Workers card.
type Workers struct {
	// Ready is the backend's own readiness verdict; nil when unknown.
	Ready  *bool    `json:"ready"`
	List   []Worker `json:"list"`
	Source string   `json:"source"`
	Error  string   `json:"error,omitempty"`
}

// Worker is one background worker.
type Worker struct {
	Name     string `json:"name"`
	Running  bool   `json:"running"`
	Critical bool   `json:"critical"`
	// State is running, stopped, crashed, restarting or failed.
	State   string `json:"state"`
	Message string `json:"message,omitempty"`
}

// Running counts the running workers.
func (w Workers) Running() int {
	n := 0
	for _, x := range w.List {
		if x.Running {
			n++
		}
	}
	return n
}
