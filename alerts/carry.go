package alerts

import (
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// CarriedLog is a stage, placed right after the Engine, that appends the alert log of a
// previous run (read back from the state file) to each snapshot's log, behind this run's
// entries and within LogSize. Like the Engine it shares one merged slice between
// snapshots until this run's log changes, so the history's snapshots do not each hold
// a copy.
type CarriedLog struct {
	old []snapshot.AlertLogEntry

	lastIn  []snapshot.AlertLogEntry // the engine's log the merge was made from
	lastOut []snapshot.AlertLogEntry
}

// NewCarriedLog returns a stage carrying old (most recent first). Entries still ongoing
// when the previous run stopped are closed at stopped: nobody watched after that, and
// this run raises them afresh if they still hold.
func NewCarriedLog(old []snapshot.AlertLogEntry, stopped time.Time) *CarriedLog {
	c := &CarriedLog{old: make([]snapshot.AlertLogEntry, 0, min(len(old), LogSize))}
	for _, e := range old {
		if len(c.old) == LogSize {
			break
		}
		if e.Cleared == nil {
			end := snapshot.Time{Time: maxTime(stopped, e.Raised.Time).UTC()}
			e.Cleared = &end
			e.DurationSeconds = end.Sub(e.Raised.Time).Seconds()
		}
		c.old = append(c.old, e)
	}
	return c
}

// Process appends the carried entries to s.AlertLog.
func (c *CarriedLog) Process(s *snapshot.Snapshot) {
	if s == nil || len(c.old) == 0 {
		return
	}
	in := s.AlertLog
	if c.lastOut != nil && sameSlice(in, c.lastIn) {
		s.AlertLog = c.lastOut
		return
	}
	keep := min(len(c.old), max(0, LogSize-len(in)))
	out := make([]snapshot.AlertLogEntry, 0, len(in)+keep)
	out = append(append(out, in...), c.old[:keep]...)
	c.lastIn, c.lastOut = in, out
	s.AlertLog = out
}

// sameSlice reports whether a and b are the same slice (same array, same length): the
// Engine republishes an unchanged log as the very same slice.
func sameSlice(a, b []snapshot.AlertLogEntry) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0]
}
