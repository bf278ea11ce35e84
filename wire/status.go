package wire

import (
	"bytes"
	"encoding/json"
	"math"

	"github.com/hsi-top/hsi-top/snapshot"
)

// StatusData is system_status's data (contract.md §3).
type StatusData struct {
	GPU     StatusGPU     `json:"gpu"`
	Cameras StatusCameras `json:"cameras"`
	Queue   StatusQueue   `json:"queue"`
	Health  string        `json:"health"`
	AI      StatusAI      `json:"ai"`
}

// StatusGPU is system_status's gpu: memory in MiB.
type StatusGPU struct {
	Utilization  *float64 `json:"utilization"`
	MemoryUsed   *float64 `json:"memory_used"`
	MemoryTotal  *float64 `json:"memory_total"`
	Temperature  *float64 `json:"temperature"`
	InferenceFPS *float64 `json:"inference_fps"`
}

// StatusCameras is system_status's cameras.
type StatusCameras struct {
	Active *int64 `json:"active"`
	Total  *int64 `json:"total"`
}

// StatusQueue is system_status's queue.
type StatusQueue struct {
	Pending    *int64 `json:"pending"`
	Processing *int64 `json:"processing"`
}

// StatusAI is {"status":…, "<detector_key>":…, "nemotron":…}.
type StatusAI struct {
	Status      string
	DetectorKey string
	Detector    string
	Nemotron    string
}

// MarshalJSON writes the detector's status under its configurable key.
func (a StatusAI) MarshalJSON() ([]byte, error) {
	key := a.DetectorKey
	if key == "" || key == snapshot.NemotronKey || key == "status" {
		key = snapshot.DefaultDetectorKey
	}
	var b bytes.Buffer
	b.WriteString(`{"status":`)
	writeJSONString(&b, a.Status)
	b.WriteByte(',')
	writeJSONString(&b, key)
	b.WriteByte(':')
	writeJSONString(&b, a.Detector)
	b.WriteString(`,"nemotron":`)
	writeJSONString(&b, a.Nemotron)
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s)
	b.Write(q)
}

// Health values of system_status.
const (
	HealthHealthy   = "healthy"
	HealthDegraded  = "degraded"
	HealthUnhealthy = "unhealthy"
)

// Status derives system_status's data from a snapshot; s may be nil (no collection
// yet). stale says the collector loop looks dead (see the feed's package doc).
func Status(s *snapshot.Snapshot, stale bool) StatusData {
	var d StatusData
	if s == nil {
		d.Health = HealthDegraded
		d.AI = StatusAI{Status: HealthDegraded, DetectorKey: snapshot.DefaultDetectorKey,
			Detector: snapshot.StatusUnreachable, Nemotron: snapshot.StatusUnreachable}
		return d
	}
	if g := s.GPU; g != nil {
		d.GPU.Utilization = round(g.Utilization, 1)
		d.GPU.Temperature = round(g.Temperature, 1)
		d.GPU.MemoryUsed = wholeMiB(g.MemoryUsedBytes)
		d.GPU.MemoryTotal = wholeMiB(g.MemoryTotalBytes)
	}
	if t := s.Inference.Throughput; t != nil && t.ImagesPerMin != nil {
		d.GPU.InferenceFPS = snapshot.Round(snapshot.F(*t.ImagesPerMin/60), 2)
	}
	d.Cameras = StatusCameras{Active: s.Overview.CamerasActive, Total: s.Overview.CamerasTotal}
	if q := s.Inference.Queues; q != nil {
		d.Queue = StatusQueue{Pending: q.Detection, Processing: q.Analysis}
	}
	d.Health = OverallHealth(s, stale)
	det, llm := s.AIModels.Detector.Status, s.AIModels.Nemotron.Status
	d.AI = StatusAI{Status: AIHealth(det, llm), DetectorKey: s.AIModels.DetectorKey, Detector: det, Nemotron: llm}
	applyStatusRules(&d, s)
	return d
}

// wholeMiB is a GPU memory figure in whole MiB (system_status's memory_used/total).
func wholeMiB(bytes *uint64) *float64 {
	if bytes == nil {
		return nil
	}
	return snapshot.F(math.Round(float64(*bytes) / snapshot.MiB))
}

// AIHealth is ai.status: healthy when both models are, unhealthy when neither is
// healthy or loading, degraded otherwise.
func AIHealth(detector, llm string) string {
	up := func(st string) bool { return st == snapshot.StatusHealthy }
	alive := func(st string) bool { return st == snapshot.StatusHealthy || st == snapshot.StatusLoading }
	switch {
	case up(detector) && up(llm):
		return HealthHealthy
	case !alive(detector) && !alive(llm):
		return HealthUnhealthy
	}
	return HealthDegraded
}

// OverallHealth is system_status's health: unhealthy when the collector stalled, a
// critical worker is stopped or the services down reach container_health's critical
// level; degraded when they reach its warning level or a critical alert is active.
func OverallHealth(s *snapshot.Snapshot, stale bool) string {
	if stale {
		return HealthUnhealthy
	}
	for _, w := range s.Workers.List {
		if snapshot.CriticalWorkers[w.Name] && !w.Running {
			return HealthUnhealthy
		}
	}
	// The container_health rule's definition of a service that is down (unhealthy or
	// unreachable; starting and unknown rows do not count), so that health and the
	// alert agree. A row without hsi-top's finer state counts by the page's health.
	bad := 0
	for _, c := range s.Containers {
		if c.Down() || (c.State == "" && c.Health == snapshot.HealthUnhealthy) {
			bad++
		}
	}
	switch lv := s.ContainerRule(); {
	case bad > 0 && float64(bad) >= lv.Critical:
		return HealthUnhealthy
	case bad > 0 && float64(bad) >= lv.Warning:
		return HealthDegraded
	}
	for _, a := range s.Alerts {
		if a.Severity == snapshot.SeverityCritical {
			return HealthDegraded
		}
	}
	return HealthHealthy
}
