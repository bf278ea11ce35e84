package history

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Sample is one value of a series at one time, from another record of it (Prometheus's
// query_range, at start-up).
type Sample struct {
	Time  time.Time
	Value float64
}

// Fill puts samples of key into the buckets of every range that hold nothing yet, so
// that a start-up can complete the charts from another record of the same series. Only
// buckets that ended by before (the start-up time) and that the range's window at
// before still shows are filled: the bucket that holds before belongs to the live
// ticks. A bucket that already has samples (live ones or the state file's) keeps them;
// NaN and infinite samples are unknown and fill nothing. Each filled bucket holds the
// min, avg and max of the samples that fall in it. Fill returns how many buckets it
// filled, over all ranges. It may run concurrently with Process.
func (s *Store) Fill(key string, samples []Sample, before time.Time) int {
	var fill [numRanges][]bucket
	for r := range numRanges {
		fill[r] = bucketsOf(samples, resolutionSeconds[r], floorDiv(before.Unix(), resolutionSeconds[r]))
	}
	if len(fill[0])+len(fill[1])+len(fill[2]) == 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ser := s.series[key]
	if ser == nil {
		if len(s.series) >= MaxKeys {
			return 0
		}
		ser = new(series)
		s.series[key] = ser
		i, _ := slices.BinarySearch(s.names, key)
		s.names = slices.Insert(s.names, i, key)
	}
	filled := 0
	for r := range numRanges {
		for _, b := range fill[r] {
			cell := &ser.rings[r][floorMod(b.slot, Points)]
			if cell.count > 0 && cell.slot >= b.slot {
				continue // it has samples, or newer ones
			}
			*cell = b
			filled++
		}
	}
	return filled
}

// bucketsOf aggregates samples into buckets of res seconds, keeping those of the
// Points-1 complete buckets before the bucket numbered current, oldest first.
func bucketsOf(samples []Sample, res, current int64) []bucket {
	var out []bucket
	for _, smp := range samples {
		v := smp.Value
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		slot := floorDiv(smp.Time.Unix(), res)
		if slot >= current || slot <= current-Points {
			continue
		}
		i, found := slices.BinarySearchFunc(out, slot, func(b bucket, slot int64) int { return cmp.Compare(b.slot, slot) })
		if !found {
			out = slices.Insert(out, i, bucket{slot: slot, min: v, max: v})
		}
		b := &out[i]
		b.min, b.max = min(b.min, v), max(b.max, v)
		b.sum += v
		b.count++
	}
	return out
}
