package history

import (
	"slices"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// Point is one bucket of a series. Count == 0 means the bucket has no samples: a gap,
// drawn as a gap, never as 0 (Min, Avg and Max are then 0 and meaningless).
type Point struct {
	Start         time.Time
	Min, Avg, Max float64
	Count         int
}

// SnapshotSlots is how many whole snapshots a Store keeps: one per 5 s slot for the last
// 60 minutes.
const SnapshotSlots = 720

// snapshotSpacing is the width of a snapshot slot, in seconds.
const snapshotSpacing = 5

// bucket is one ring cell. It is valid for the bucket numbered slot (Unix seconds
// divided by the resolution) when count > 0; a cell whose slot is not the one asked for
// holds an older bucket that has left the window, which reads as a gap.
type bucket struct {
	slot          int64
	min, max, sum float64
	count         int64
}

// series is one key's three rings.
type series struct {
	rings [numRanges][Points]bucket
}

type slotSnap struct {
	slot  int64
	snap  *snapshot.Snapshot
	zeros []zeroPath // snap's known zeros, for the state file (zeros.go)
}

// Store is the history of every charted series and of whole snapshots. Process is
// called from one goroutine (the collector engine); every other method may run
// concurrently with it.
//
// Snapshots are kept by pointer and must not be changed after Process: run the Store as
// the last collector stage (after alerts), so the snapshots it hands out are complete
// and immutable.
type Store struct {
	mu     sync.RWMutex
	keys   keyCache
	series map[string]*series
	names  []string // sorted keys of series

	snaps     [SnapshotSlots]slotSnap
	latest    *snapshot.Snapshot
	latestSec int64 // Unix seconds of latest's timestamp

	// sec is the Unix second of the snapshot being ingested, for add.
	sec int64
}

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{
		keys:   keyCache{gpu: map[int]*[4]string{}},
		series: map[string]*series{},
	}
}

// Process ingests one snapshot into every series' rings and the snapshot buffer, at
// the snapshot's timestamp. A snapshot older than what a ring or slot already holds
// for its bucket's position is ignored there (it has left the window). Process does
// not allocate once every key of the snapshot has been seen, but for noting the known
// zeros of the snapshot it keeps for a new 5 s slot (zeros.go).
func (s *Store) Process(snap *snapshot.Snapshot) {
	if snap == nil {
		return
	}
	ts := snap.Timestamp.Time
	sec := ts.Unix()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.sec = sec
	s.keys.eachSample(snap, s.add)

	slot := floorDiv(sec, snapshotSpacing)
	e := &s.snaps[floorMod(slot, SnapshotSlots)]
	// Keep the first snapshot of each slot (an older slot's leftover is overwritten):
	// with any interval that divides 5 s every slot's first snapshot sits at the same
	// offset in its slot, so the points Snapshots picks are evenly spaced.
	if e.snap == nil || slot > e.slot || (slot == e.slot && ts.Before(e.snap.Timestamp.Time)) {
		*e = slotSnap{slot: slot, snap: snap, zeros: knownZeros(snap)}
	}
	if s.latest == nil || !ts.Before(s.latest.Timestamp.Time) {
		s.latest, s.latestSec = snap, sec
	}
}

// add records one sample at s.sec in all three rings of key.
func (s *Store) add(key string, v float64, ok bool) {
	if !ok {
		return // unknown: the bucket stays as it is, a gap if nothing else came
	}
	ser := s.series[key]
	if ser == nil {
		if len(s.series) >= MaxKeys {
			return
		}
		ser = new(series)
		s.series[key] = ser
		i, _ := slices.BinarySearch(s.names, key)
		s.names = slices.Insert(s.names, i, key)
	}
	for r := range numRanges {
		slot := floorDiv(s.sec, resolutionSeconds[r])
		b := &ser.rings[r][floorMod(slot, Points)]
		switch {
		case b.count > 0 && b.slot == slot:
			b.min = min(b.min, v)
			b.max = max(b.max, v)
			b.sum += v
			b.count++
		case b.count == 0 || slot > b.slot:
			*b = bucket{slot: slot, min: v, max: v, sum: v, count: 1}
		default:
			// An older bucket than the cell holds: it has left the window.
		}
	}
}

// Series returns key's buckets for range r: exactly Points of them, oldest first, the
// last being the bucket that holds the latest snapshot's timestamp (the same for every
// key, so charts line up). Buckets without samples have Count 0. Before any snapshot,
// every point is a gap with a zero Start.
func (s *Store) Series(key string, r Range) []Point {
	return s.AppendSeries(make([]Point, 0, Points), key, r)
}

// AppendSeries is Series appending to dst, for a caller that reuses its buffer.
func (s *Store) AppendSeries(dst []Point, key string, r Range) []Point {
	if !r.valid() {
		r = Range5m
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.latest == nil {
		for range Points {
			dst = append(dst, Point{})
		}
		return dst
	}
	res := resolutionSeconds[r]
	last := floorDiv(s.latestSec, res)
	ser := s.series[key]
	for slot := last - Points + 1; slot <= last; slot++ {
		p := Point{Start: time.Unix(slot*res, 0).UTC()}
		if ser != nil {
			if b := &ser.rings[r][floorMod(slot, Points)]; b.count > 0 && b.slot == slot {
				p.Min, p.Max, p.Count = b.min, b.max, int(b.count)
				p.Avg = b.sum / float64(b.count)
			}
		}
		dst = append(dst, p)
	}
	return dst
}

// Keys returns the keys of every series that has had a known sample, sorted.
func (s *Store) Keys() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.names)
}

// Snapshots returns whole snapshots for range r, oldest first, at most Points of them,
// evenly spaced by the range's resolution (5 s, 15 s, 60 s): the newest is the first
// snapshot kept in the latest 5 s slot, and each earlier one is the kept snapshot
// nearest to exactly one resolution before the next (within half a slot, so that a
// tick's jitter across a slot boundary does not lose it). A target with no snapshot
// that near is skipped, leaving a gap of a whole multiple of the resolution. The
// snapshots come from the last 60 minutes kept at 5 s spacing.
func (s *Store) Snapshots(r Range) []*snapshot.Snapshot {
	if !r.valid() {
		r = Range5m
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.latest == nil {
		return []*snapshot.Snapshot{}
	}
	lastSlot := floorDiv(s.latestSec, snapshotSpacing)
	anchor := s.snaps[floorMod(lastSlot, SnapshotSlots)].snap
	if anchor == nil {
		anchor = s.latest
	}
	res := time.Duration(resolutionSeconds[r]) * time.Second
	out := make([]*snapshot.Snapshot, Points)
	n := 0
	for k := range Points {
		target := anchor.Timestamp.Add(-time.Duration(k) * res)
		if snap := s.nearestLocked(target, lastSlot); snap != nil {
			out[Points-1-n] = snap
			n++
		}
	}
	return out[Points-n:]
}

// nearestLocked returns the kept snapshot whose timestamp is nearest to target and at
// most half a slot from it, among the slots at and around target's; nil when none is.
// Slots after lastSlot or older than the buffer are not considered.
func (s *Store) nearestLocked(target time.Time, lastSlot int64) *snapshot.Snapshot {
	const tolerance = snapshotSpacing * time.Second / 2
	slot := floorDiv(target.Unix(), snapshotSpacing)
	var best *snapshot.Snapshot
	bestDist := tolerance + 1
	for sl := slot - 1; sl <= slot+1; sl++ {
		if sl > lastSlot || sl <= lastSlot-SnapshotSlots {
			continue
		}
		e := &s.snaps[floorMod(sl, SnapshotSlots)]
		if e.snap == nil || e.slot != sl {
			continue
		}
		d := e.snap.Timestamp.Sub(target).Abs()
		if d <= tolerance && d < bestDist {
			best, bestDist = e.snap, d
		}
	}
	return best
}

// Latest returns the newest snapshot processed, or nil before the first.
func (s *Store) Latest() *snapshot.Snapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.latest
}

// floorDiv divides rounding towards minus infinity, so that buckets before 1970 align
// like the others.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// floorMod is the non-negative remainder of a by b (b > 0).
func floorMod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}
