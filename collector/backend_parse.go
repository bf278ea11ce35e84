package collector

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/hsi-top/hsi-top/snapshot"
)

// BackendStats is the backend's GET /api/system/stats answer.
type BackendStats struct {
	TotalCameras    *float64 `json:"total_cameras"`
	TotalEvents     *float64 `json:"total_events"`
	TotalDetections *float64 `json:"total_detections"`
	UptimeSeconds   *float64 `json:"uptime_seconds"`
}

// ParseBackendStats turns a /api/system/stats body into the overview card. Counts that are
// missing, negative, fractional or too large are unknown, not 0; a value that is there
// but impossible is named in the error (nothing usable) or in the card's Error (the
// other fields stand).
func ParseBackendStats(body []byte) (snapshot.Overview, error) {
	var raw BackendStats
	if err := DecodeJSON(body, &raw); err != nil {
		return snapshot.Overview{}, err
	}
	var rejected []string
	field := func(name string, v *float64) *int64 {
		n, reason := checkCount(v)
		if reason != "" {
			rejected = append(rejected, name+": "+reason)
		}
		return n
	}
	ov := snapshot.Overview{
		CamerasTotal:    field("total_cameras", raw.TotalCameras),
		EventsTotal:     field("total_events", raw.TotalEvents),
		DetectionsTotal: field("total_detections", raw.TotalDetections),
		Source:          snapshot.ViaBackend,
	}
	if u := raw.UptimeSeconds; u != nil && *u >= 0 {
		ov.UptimeSeconds = snapshot.F(*u)
	} else if u != nil {
		rejected = append(rejected, "uptime_seconds: "+formatSampleValue(*u)+" is negative")
	}
	known := ov.CamerasTotal != nil || ov.EventsTotal != nil || ov.DetectionsTotal != nil || ov.UptimeSeconds != nil
	switch {
	case !known && len(rejected) > 0:
		return snapshot.Overview{}, errors.New(strings.Join(rejected, "; "))
	case !known:
		return snapshot.Overview{}, errors.New("no known field in the answer")
	case len(rejected) > 0:
		ov.Error = "backend stats: " + strings.Join(rejected, "; ")
	}
	return ov, nil
}

// maxExactCount is the largest count a JSON number (a float64) holds exactly: 2^53.
const maxExactCount = 1 << 53

// count accepts a JSON number that is a whole, non-negative count that a float64 holds
// exactly; anything else is unknown.
func count(v *float64) *int64 {
	n, _ := checkCount(v)
	return n
}

// checkCount is count that also says why a value that is there is not a count (nil and
// "" for a missing field).
func checkCount(v *float64) (*int64, string) {
	switch {
	case v == nil:
		return nil, ""
	case *v < 0:
		return nil, fmt.Sprintf("%s is negative", formatSampleValue(*v))
	case *v != math.Trunc(*v):
		return nil, fmt.Sprintf("%s is not a whole number", formatSampleValue(*v))
	case *v > maxExactCount:
		return nil, fmt.Sprintf("%s is out of range (a count must be at most 2^53)", formatSampleValue(*v))
	}
	return snapshot.I(int64(*v)), ""
}

type backendReady struct {
	Ready   *bool `json:"ready"`
	Workers []struct {
		Name    string  `json:"name"`
		Running *bool   `json:"running"`
		Message *string `json:"message"`
	} `json:"workers"`
}

// maxWorkers bounds how many workers one answer may list (a hostile answer must not grow
// the snapshot without bound).
const maxWorkers = 64

// ParseBackendReady turns a /api/system/health/ready body (200 or 503, same shape) into the
// workers card, in the backend's order, with the critical workers flagged.
func ParseBackendReady(body []byte) (snapshot.Workers, error) {
	var raw backendReady
	if err := DecodeJSON(body, &raw); err != nil {
		return snapshot.Workers{}, err
	}
	if raw.Workers == nil {
		return snapshot.Workers{}, errors.New("no workers list in the answer")
	}
	w := snapshot.Workers{Ready: raw.Ready, List: make([]snapshot.Worker, 0, len(raw.Workers)), Source: snapshot.ViaBackend}
	for _, x := range raw.Workers {
		if len(w.List) == maxWorkers {
			break
		}
		if x.Name == "" || x.Running == nil {
			continue // a worker without a name or a state says nothing
		}
		msg := ""
		if x.Message != nil {
			msg = CleanText(*x.Message, 200)
		}
		w.List = append(w.List, snapshot.Worker{
			Name:     CleanText(x.Name, 64),
			Running:  *x.Running,
			Critical: snapshot.CriticalWorkers[x.Name],
			State:    workerState(*x.Running, msg),
			Message:  msg,
		})
	}
	return w, nil
}

// workerState derives the finer state from the backend's message ("State: stopped",
// "Not running", "crashed: …"); a stopped worker without a telling message is "stopped".
func workerState(running bool, msg string) string {
	if running {
		return "running"
	}
	m := strings.ToLower(msg)
	for _, st := range []string{"crashed", "restarting", "failed"} {
		if strings.Contains(m, st) {
			return st
		}
	}
	return "stopped"
}

// WorkerStatusName maps hsi_worker_status values to worker states.
func WorkerStatusName(v float64) (string, bool) {
	switch v {
	case 0:
		return "stopped", true
	case 1:
		return "running", true
	case 2:
		return "crashed", true
	case 3:
		return "restarting", true
	case 4:
		return "failed", true
	}
	return "", false
}

type backendLatency struct {
	AvgMS       *float64 `json:"avg_ms"`
	P95MS       *float64 `json:"p95_ms"`
	P99MS       *float64 `json:"p99_ms"`
	SampleCount *float64 `json:"sample_count"`
}

type backendTelemetry struct {
	Queues    map[string]*float64        `json:"queues"`
	Latencies map[string]*backendLatency `json:"latencies"`
}

// ParseBackendTelemetry turns a /api/system/telemetry body into inference parts: the
// detect and analyze stage latencies (and total/pipeline when the backend has it) and the
// queue depths. A stage that is null or has no samples is unknown.
func ParseBackendTelemetry(body []byte) (InferenceReadings, error) {
	var raw backendTelemetry
	if err := DecodeJSON(body, &raw); err != nil {
		return InferenceReadings{}, err
	}
	var p InferenceReadings
	lat := func(names ...string) *snapshot.Latency {
		for _, n := range names {
			if l := backendStage(raw.Latencies[n]); l != nil {
				return l
			}
		}
		return nil
	}
	p.Detect = lat("detect")
	p.Analyze = lat("analyze")
	p.Pipeline = lat("total", "pipeline")
	if raw.Queues != nil {
		q := snapshot.Queues{Source: snapshot.ViaBackend}
		if v := count(raw.Queues["detection_queue"]); v != nil {
			q.Detection, q.DetectionKey = v, "detection_queue"
		}
		if v := count(raw.Queues["analysis_queue"]); v != nil {
			q.Analysis, q.AnalysisKey = v, "analysis_queue"
		}
		if q.Detection != nil || q.Analysis != nil {
			p.Queues = &q
		}
	}
	if p.Detect == nil && p.Analyze == nil && p.Pipeline == nil && p.Queues == nil {
		return p, fmt.Errorf("no latencies or queues in the answer")
	}
	return p, nil
}

func backendStage(l *backendLatency) *snapshot.Latency {
	if l == nil {
		return nil
	}
	n := count(l.SampleCount)
	if n != nil && *n == 0 {
		return nil
	}
	out := snapshot.Latency{
		Avg:     nonNegative(l.AvgMS),
		P95:     nonNegative(l.P95MS),
		P99:     nonNegative(l.P99MS),
		Samples: n,
		Source:  snapshot.ViaBackend,
	}
	if out.Avg == nil && out.P95 == nil && out.P99 == nil {
		return nil
	}
	return &out
}

func nonNegative(v *float64) *float64 {
	if v == nil || *v < 0 {
		return nil
	}
	return snapshot.F(*v)
}
