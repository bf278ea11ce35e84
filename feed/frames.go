package feed

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
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

// onWire is snap as the feed sends it: the page's wire encoding (page rules applied)
// with the alert log cut to the newest n entries.
func onWire(snap *snapshot.Snapshot, n int) *wire.PageData {
	p := wire.Page(snap)
	p.TrimAlertLog(n)
	return p
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
	status, err := json.Marshal(statusEnvelope{Type: "system_status", Data: wire.Status(snap, stale), Timestamp: ts})
	if err != nil {
		// Every field is a finite number or a string; this cannot happen.
		status = []byte(`{"type":"system_status","data":{},"timestamp":"` + ts.Format(snapshot.TimeLayout) + `"}`)
	}
	fs.status = status
	return fs
}

// statusEnvelope is the system_status frame: here the timestamp is top-level.
type statusEnvelope struct {
	Type      string          `json:"type"`
	Data      wire.StatusData `json:"data"`
	Timestamp snapshot.Time   `json:"timestamp"`
}
