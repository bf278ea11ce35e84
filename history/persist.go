package history

import (
	"fmt"
	"slices"

	"github.com/hsi-top/hsi-top/snapshot"
)

// Saved is a Store's content in a form that outlives the process: every series'
// non-empty buckets and the snapshots the three ranges show. Store.Save makes one and
// Store.Restore reads one back, so a restart keeps the charts (gaps stay gaps).
type Saved struct {
	Series []SavedSeries
	// Snapshots are the kept whole snapshots (the first of each bucket of each range:
	// the last 5 minutes at 5 s, then 15 s, then 60 s back to an hour), oldest first.
	Snapshots []*snapshot.Snapshot
	// Zeros[i] are the indexes in ZeroPaths of Snapshots[i]'s pointers to a known zero,
	// which gob drops (zeros.go); Restore puts them back. Files written before these
	// fields lost such zeros.
	Zeros     [][]int
	ZeroPaths [][]string
}

// SavedSeries is one key's buckets, per range (indexed like Ranges).
type SavedSeries struct {
	Key     string
	Buckets [numRanges][]SavedBucket
}

// SavedBucket is one non-empty bucket.
type SavedBucket struct {
	Slot          int64
	Min, Max, Sum float64
	Count         int64
}

// Save returns the store's content. It may run concurrently with Process.
func (s *Store) Save() Saved {
	var out Saved
	s.mu.RLock()
	defer s.mu.RUnlock()
	var zt zeroTable
	for _, e := range s.keptLocked() {
		out.Snapshots = append(out.Snapshots, e.snap)
		out.Zeros = append(out.Zeros, zt.add(e.zeros))
	}
	for _, p := range zt.paths {
		out.ZeroPaths = append(out.ZeroPaths, p)
	}
	out.Series = make([]SavedSeries, 0, len(s.names))
	for _, key := range s.names {
		ser := s.series[key]
		sv := SavedSeries{Key: key}
		for r := range numRanges {
			for _, b := range ser.rings[r] {
				if b.count > 0 {
					sv.Buckets[r] = append(sv.Buckets[r], SavedBucket{Slot: b.slot, Min: b.min, Max: b.max, Sum: b.sum, Count: b.count})
				}
			}
			slices.SortFunc(sv.Buckets[r], func(a, b SavedBucket) int { return int(a.Slot - b.Slot) })
		}
		out.Series = append(out.Series, sv)
	}
	return out
}

// Restore puts saved content back, before the first Process. A bucket that already
// holds newer data keeps it; of the snapshots, each range keeps the first of each of its
// buckets, as Process does (a file written when every 5 s snapshot of the hour was kept
// is thinned so). Values that make no sense (a count below 1, min above max) are an
// error and nothing is restored.
func (s *Store) Restore(v Saved) error {
	for _, sv := range v.Series {
		for r := range numRanges {
			for _, b := range sv.Buckets[r] {
				if b.Count < 1 || b.Min > b.Max {
					return fmt.Errorf("history: series %q has a bucket with count %d, min %g, max %g", sv.Key, b.Count, b.Min, b.Max)
				}
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sv := range v.Series {
		ser := s.series[sv.Key]
		if ser == nil {
			if len(s.series) >= MaxKeys {
				continue
			}
			ser = new(series)
			s.series[sv.Key] = ser
			i, _ := slices.BinarySearch(s.names, sv.Key)
			s.names = slices.Insert(s.names, i, sv.Key)
		}
		for r := range numRanges {
			for _, b := range sv.Buckets[r] {
				cell := &ser.rings[r][floorMod(b.Slot, Points)]
				if cell.count == 0 || b.Slot > cell.slot {
					*cell = bucket{slot: b.Slot, min: b.Min, max: b.Max, sum: b.Sum, count: b.Count}
				}
			}
		}
	}
	var prevLog []snapshot.AlertLogEntry
	var timelines timelineSharer
	for i, snap := range v.Snapshots {
		if snap == nil {
			continue
		}
		var zeros []zeroPath
		if len(v.Zeros) == len(v.Snapshots) {
			for _, n := range v.Zeros[i] {
				if n >= 0 && n < len(v.ZeroPaths) {
					zeros = append(zeros, v.ZeroPaths[n])
				}
			}
			restoreZeros(snap, zeros)
		}
		// A running engine publishes an unchanged alert log as the same slice; decoding
		// gives every snapshot a copy of its own, so equal successive logs are shared
		// again.
		if len(prevLog) > 0 && slices.EqualFunc(snap.AlertLog, prevLog, sameLogEntry) {
			snap.AlertLog = prevLog
		}
		prevLog = snap.AlertLog
		timelines.share(snap)
		s.keepLocked(snap, zeros, true)
	}
	return nil
}

// sameLogEntry reports whether two alert log entries say the same.
func sameLogEntry(a, b snapshot.AlertLogEntry) bool {
	cleared := (a.Cleared == nil) == (b.Cleared == nil) && (a.Cleared == nil || a.Cleared.Equal(b.Cleared.Time))
	return cleared && a.Severity == b.Severity && a.Metric == b.Metric && a.Object == b.Object &&
		a.Message == b.Message && a.Threshold == b.Threshold && a.Raised.Equal(b.Raised.Time) &&
		a.Peak == b.Peak && a.DurationSeconds == b.DurationSeconds
}
