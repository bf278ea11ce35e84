// Package history keeps what the charts and the feed's history endpoint show: for every
// charted number, three rings of Points buckets at 5 s, 15 s and 60 s resolution (the
// design's 5m, 15m and 60m ranges), each bucket holding min, avg, max and the sample
// count so that a 60m chart does not average a spike away; and, per range, the first whole
// snapshot of each bucket (for the history endpoint, the container timeline, incident
// bundles and the state file).
//
// Buckets are aligned to wall-clock multiples of their resolution (Unix time truncated
// to it), so two hsi-top instances draw the same buckets. Unknown samples (nil) are not
// zeros: a bucket without samples is a gap. Memory is fixed once every key has been
// seen: the rings are arrays, and no sample allocates.
package history

import (
	"fmt"
	"time"
)

// Range is a chart's time span: Points buckets at the range's resolution.
type Range int

// The three ranges of the design: 60 points of 5 s, 15 s and 60 s.
const (
	Range5m Range = iota
	Range15m
	Range60m
)

// numRanges is how many Range values there are.
const numRanges = 3

// Ranges lists every range, shortest first.
var Ranges = []Range{Range5m, Range15m, Range60m}

// Points is how many buckets a series has, and how many snapshots Snapshots returns at
// most, in every range.
const Points = 60

var rangeNames = [numRanges]string{"5m", "15m", "60m"}

// resolutionSeconds is each range's bucket width; whole seconds so buckets align to
// Unix seconds exactly.
var resolutionSeconds = [numRanges]int64{5, 15, 60}

// String returns "5m", "15m" or "60m".
func (r Range) String() string {
	if !r.valid() {
		return fmt.Sprintf("Range(%d)", int(r))
	}
	return rangeNames[r]
}

// Resolution is the width of one bucket: 5 s, 15 s or 60 s.
func (r Range) Resolution() time.Duration {
	if !r.valid() {
		return 0
	}
	return time.Duration(resolutionSeconds[r]) * time.Second
}

// Span is the time the whole range covers: Points × Resolution.
func (r Range) Span() time.Duration { return Points * r.Resolution() }

func (r Range) valid() bool { return r >= 0 && r < numRanges }

// ParseRange reads "5m", "15m" or "60m".
func ParseRange(s string) (Range, error) {
	for i, name := range rangeNames {
		if s == name {
			return Range(i), nil
		}
	}
	return Range5m, fmt.Errorf("history range %q: must be one of 5m, 15m, 60m", s)
}
