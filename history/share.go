package history

import (
	"slices"

	"github.com/hsi-top/hsi-top/snapshot"
)

// timelineBuffer is how many states one shared timeline buffer holds (as the containers
// stage's, collector.ContainersStage).
const timelineBuffer = 16 * 60

// timelineSharer gives decoded snapshots' container timelines shared storage again. A
// running engine's snapshots hold windows of one buffer per row, so an hour of kept
// snapshots costs a few buffers; a state file decodes every timeline as a copy of its
// own — 60 strings, each its own allocation, per row per snapshot, over a megabyte for
// the hour. Fed the snapshots oldest first, it finds how far each timeline moved on from
// the row's previous one, appends only the new states (interned: there are a handful)
// to the row's buffer and points the timeline at its window there (capacity-capped, so
// nothing written is changed later).
type timelineSharer struct {
	rows   map[string]*sharedRow
	states map[string]string
}

// maxInterned bounds the interned states (a handful are real; a damaged file may hold
// any strings).
const maxInterned = 64

type sharedRow struct {
	buf  []string
	prev []string // the row's last timeline, the window at the end of buf
}

// share rewrites s's timelines as windows of the rows' buffers; their states are unchanged.
func (t *timelineSharer) share(s *snapshot.Snapshot) {
	if t.rows == nil {
		t.rows, t.states = map[string]*sharedRow{}, map[string]string{}
	}
	for i := range s.Containers {
		c := &s.Containers[i]
		if len(c.Timeline) == 0 {
			continue
		}
		r := t.rows[c.Name]
		if r == nil {
			r = &sharedRow{}
			t.rows[c.Name] = r
		}
		c.Timeline = t.window(r, c.Timeline)
	}
}

// window returns cur's states as a window of the row's buffer.
func (t *timelineSharer) window(r *sharedRow, cur []string) []string {
	fresh := cur
	// The smallest shift d with prev[d:] == cur's start: only cur's rest is new.
	for d := range len(r.prev) {
		if kept := len(r.prev) - d; kept <= len(cur) && slices.Equal(r.prev[d:], cur[:kept]) {
			fresh = cur[kept:]
			break
		}
	}
	if len(r.buf)+len(fresh) > cap(r.buf) {
		// Full: a new buffer starts with all of cur (a window is contiguous).
		r.buf = make([]string, 0, max(timelineBuffer, len(cur)))
		fresh = cur
	}
	for _, st := range fresh {
		r.buf = append(r.buf, t.intern(st))
	}
	n := len(r.buf)
	r.prev = r.buf[n-len(cur) : n : n]
	return r.prev
}

func (t *timelineSharer) intern(st string) string {
	if v, ok := t.states[st]; ok {
		return v
	}
	if len(t.states) < maxInterned {
		t.states[st] = st
	}
	return st
}
