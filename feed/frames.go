package feed

import (
	"bytes"
	"encoding/json"
	"math"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// frameSet is everything encoded from one snapshot, shared read-only by every client
// and every REST answer.
type frameSet struct {
	snap  *snapshot.Snapshot
	stale bool
	// data is the snapshot's JSON: performance_update's data and the REST answer.
	data []byte
	// perf is the performance_update frame; nil when there is no snapshot yet.
	perf []byte
	// status is the system_status frame.
	status []byte
}

// frameCache keeps the frames of the newest snapshot so each is encoded once.
type frameCache struct {
	mu   sync.Mutex
	last *frameSet
}

// currentFrames returns the frames of the newest snapshot, encoding them only when the
// snapshot (or its staleness) changed since the last call.
func (s *Server) currentFrames() *frameSet {
	snap := s.src.Latest()
	now := s.clk.Now()
	stale := s.isStale(snap, now)
	s.frames.mu.Lock()
	defer s.frames.mu.Unlock()
	if last := s.frames.last; last != nil && snap != nil && last.snap == snap && last.stale == stale {
		return last
	}
	fs := encodeFrames(snap, stale, now)
	if snap != nil {
		s.frames.last = fs
	}
	return fs
}

// isStale reports whether the collector loop looks dead: no snapshot younger than three
// collection intervals.
func (s *Server) isStale(snap *snapshot.Snapshot, now time.Time) bool {
	if snap == nil {
		return true
	}
	return now.Sub(snap.Timestamp.Time) > 3*s.collectInterval
}

// FrameAlertLog is how many of the alert log's most recent entries a frame carries. The
// page ignores the log; with all 200 entries a frame would grow from about 7 KB to 54 KB
// for every client every 5 s. GET /api/system/alerts serves the whole log.
const FrameAlertLog = 20

// onWire is snap as the feed sends it: the same snapshot with its alert log cut to the
// newest n entries. It is a shallow copy: the published snapshot is never changed.
func onWire(snap *snapshot.Snapshot, n int) *snapshot.Snapshot {
	if len(snap.AlertLog) <= n {
		return snap
	}
	c := *snap
	c.AlertLog = snap.AlertLog[:n] // most recent first
	return &c
}

// encodeFrames encodes the frames of snap; snap may be nil (no collection yet), which
// gives a status frame of unknowns and no performance_update.
func encodeFrames(snap *snapshot.Snapshot, stale bool, now time.Time) *frameSet {
	fs := &frameSet{snap: snap, stale: stale}
	ts := snapshot.Time{Time: now.UTC()}
	if snap != nil {
		ts = snap.Timestamp
		data, err := json.Marshal(onWire(snap, FrameAlertLog))
		if err == nil {
			fs.data = data
			fs.perf = make([]byte, 0, len(data)+40)
			fs.perf = append(fs.perf, `{"type":"performance_update","data":`...)
			fs.perf = append(fs.perf, data...)
			fs.perf = append(fs.perf, '}')
		}
	}
	status, err := json.Marshal(statusEnvelope{Type: "system_status", Data: buildStatus(snap, stale), Timestamp: ts})
	if err != nil {
		// Every field is a finite number or a string; this cannot happen.
		status = []byte(`{"type":"system_status","data":{},"timestamp":"` + ts.Format(snapshot.TimeLayout) + `"}`)
	}
	fs.status = status
	return fs
}

// statusEnvelope is the system_status frame: here the timestamp is top-level.
type statusEnvelope struct {
	Type      string        `json:"type"`
	Data      statusData    `json:"data"`
	Timestamp snapshot.Time `json:"timestamp"`
}

// statusData is system_status's data (contract.md §3).
type statusData struct {
	GPU     statusGPU     `json:"gpu"`
	Cameras statusCameras `json:"cameras"`
	Queue   statusQueue   `json:"queue"`
	Health  string        `json:"health"`
	AI      statusAI      `json:"ai"`
}

type statusGPU struct {
	Utilization  *float64 `json:"utilization"`
	MemoryUsed   *float64 `json:"memory_used"`
	MemoryTotal  *float64 `json:"memory_total"`
	Temperature  *float64 `json:"temperature"`
	InferenceFPS *float64 `json:"inference_fps"`
}

type statusCameras struct {
	Active *int64 `json:"active"`
	Total  *int64 `json:"total"`
}

type statusQueue struct {
	Pending    *int64 `json:"pending"`
	Processing *int64 `json:"processing"`
}

// statusAI is {"status":…, "<detector_key>":…, "nemotron":…}.
type statusAI struct {
	Status      string
	DetectorKey string
	Detector    string
	Nemotron    string
}

// MarshalJSON writes the detector's status under its configurable key.
func (a statusAI) MarshalJSON() ([]byte, error) {
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
	healthHealthy   = "healthy"
	healthDegraded  = "degraded"
	healthUnhealthy = "unhealthy"
)

// buildStatus derives system_status's data from a snapshot (see the package doc).
func buildStatus(s *snapshot.Snapshot, stale bool) statusData {
	var d statusData
	if s == nil {
		d.Health = healthDegraded
		d.AI = statusAI{Status: healthDegraded, DetectorKey: snapshot.DefaultDetectorKey,
			Detector: snapshot.StatusUnreachable, Nemotron: snapshot.StatusUnreachable}
		return d
	}
	if g := s.GPU; g != nil {
		d.GPU.Utilization = g.Utilization
		d.GPU.Temperature = g.Temperature
		d.GPU.MemoryUsed = megabytes(g.MemoryUsedBytes, g.VRAMUsedGB)
		d.GPU.MemoryTotal = megabytes(g.MemoryTotalBytes, g.VRAMTotalGB)
	}
	if t := s.Inference.Throughput; t != nil && t.ImagesPerMin != nil {
		d.GPU.InferenceFPS = snapshot.Round(snapshot.F(*t.ImagesPerMin/60), 2)
	}
	d.Cameras = statusCameras{Active: s.Overview.CamerasActive, Total: s.Overview.CamerasTotal}
	if q := s.Inference.Queues; q != nil {
		d.Queue = statusQueue{Pending: q.Detection, Processing: q.Analysis}
	}
	d.Health = overallHealth(s, stale)
	det, llm := s.AIModels.Detector.Status, s.AIModels.Nemotron.Status
	d.AI = statusAI{Status: aiHealth(det, llm), DetectorKey: s.AIModels.DetectorKey, Detector: det, Nemotron: llm}
	return d
}

// megabytes is a GPU memory figure in MiB, from bytes when known, else from GiB.
func megabytes(bytes *uint64, gib *float64) *float64 {
	switch {
	case bytes != nil:
		return snapshot.F(math.Round(float64(*bytes) / snapshot.MiB))
	case gib != nil:
		return snapshot.F(math.Round(*gib * 1024))
	}
	return nil
}

// aiHealth is ai.status: healthy when both models are, unhealthy when neither is
// healthy or loading, degraded otherwise.
func aiHealth(detector, llm string) string {
	up := func(st string) bool { return st == snapshot.StatusHealthy }
	alive := func(st string) bool { return st == snapshot.StatusHealthy || st == snapshot.StatusLoading }
	switch {
	case up(detector) && up(llm):
		return healthHealthy
	case !alive(detector) && !alive(llm):
		return healthUnhealthy
	}
	return healthDegraded
}

// overallHealth is system_status's health (see the package doc).
func overallHealth(s *snapshot.Snapshot, stale bool) string {
	if stale {
		return healthUnhealthy
	}
	for _, w := range s.Workers.List {
		if snapshot.CriticalWorkers[w.Name] && !w.Running {
			return healthUnhealthy
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
	if bad >= 2 {
		return healthUnhealthy
	}
	if bad == 1 {
		return healthDegraded
	}
	for _, a := range s.Alerts {
		if a.Severity == snapshot.SeverityCritical {
			return healthDegraded
		}
	}
	return healthHealthy
}
