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

// MaxKeptSnapshots is how many distinct whole snapshots a Store holds at most: the first
// snapshot of each of the Points buckets of every range — 60 at 5 s for the last 5
// minutes, 40 more at 15 s for the 10 minutes before, 45 more at 60 s for the rest of the
// hour — since a bucket's first snapshot is also the first of the shorter ranges' buckets
// it starts. An hour at 5 s would be 720 snapshots, five times the memory, for points
// no range shows.
const MaxKeptSnapshots = Points + Points*2/3 + Points*3/4

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

// slotSnap is one ring cell of kept snapshots: the first snapshot of the bucket numbered
// slot, valid when snap is not nil (an older bucket's leftover reads as a gap, as in a
// series ring).
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

	// snaps are, per range, the first snapshot of each of its buckets; one snapshot is
	// often in several rings (shared, not copied).
	snaps     [numRanges][Points]slotSnap
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

// Process ingests one snapshot into every series' rings and the kept snapshots, at the
// snapshot's timestamp. A snapshot older than what a ring already holds for its bucket's
// position is ignored there (it has left the window). Process does not allocate once
// every key of the snapshot has been seen, but for noting the known zeros of a snapshot
// it keeps as the first of a new 5 s bucket (zeros.go).
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
	s.keepLocked(snap, nil, false)
	if s.latest == nil || !ts.Before(s.latest.Timestamp.Time) {
		s.latest, s.latestSec = snap, sec
	}
}

// keepLocked keeps snap as the first snapshot of its bucket in every range where it is
// (an older bucket's leftover is overwritten, a newer one stays): with any interval that
// divides the resolution every bucket's first snapshot sits at the same offset in its
// bucket, so the points Snapshots returns are evenly spaced. zeros are snap's known
// zeros when known is set; otherwise they are found here if snap is kept.
func (s *Store) keepLocked(snap *snapshot.Snapshot, zeros []zeroPath, known bool) {
	ts := snap.Timestamp.Time
	sec := ts.Unix()
	for r := range numRanges {
		slot := floorDiv(sec, resolutionSeconds[r])
		e := &s.snaps[r][floorMod(slot, Points)]
		if e.snap != nil && (slot < e.slot || (slot == e.slot && !ts.Before(e.snap.Timestamp.Time))) {
			continue
		}
		if !known {
			zeros, known = knownZeros(snap), true
		}
		*e = slotSnap{slot: slot, snap: snap, zeros: zeros}
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

// Snapshots returns whole snapshots for range r, oldest first, at most Points of them:
// the first snapshot of each of the range's buckets that a series' chart shows now (the
// Points buckets up to the one holding the latest snapshot), so they are spaced by the
// range's resolution (5 s, 15 s, 60 s) and line up with the charts. A bucket without a
// snapshot is skipped, leaving a gap of a whole multiple of the resolution.
func (s *Store) Snapshots(r Range) []*snapshot.Snapshot {
	if !r.valid() {
		r = Range5m
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.latest == nil {
		return []*snapshot.Snapshot{}
	}
	last := floorDiv(s.latestSec, resolutionSeconds[r])
	out := make([]*snapshot.Snapshot, 0, Points)
	for slot := last - Points + 1; slot <= last; slot++ {
		if e := &s.snaps[r][floorMod(slot, Points)]; e.snap != nil && e.slot == slot {
			out = append(out, e.snap)
		}
	}
	return out
}

// keptLocked returns every distinct kept snapshot with its known zeros, oldest first.
func (s *Store) keptLocked() []slotSnap {
	seen := make(map[*snapshot.Snapshot]bool, MaxKeptSnapshots)
	kept := make([]slotSnap, 0, MaxKeptSnapshots)
	for r := range numRanges {
		for _, e := range s.snaps[r] {
			if e.snap != nil && !seen[e.snap] {
				seen[e.snap] = true
				kept = append(kept, e)
			}
		}
	}
	slices.SortStableFunc(kept, func(a, b slotSnap) int { return a.snap.Timestamp.Compare(b.snap.Timestamp.Time) })
	return kept
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
