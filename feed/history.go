package feed

import (
	"fmt"

	"hsi-top/snapshot"
)

// Range is a history window the page asks for with ?time_range=. It mirrors
// history.Range (5m, 15m, 60m at 5 s, 15 s and 60 s spacing) so that the feed does not
// depend on the history package's internals; the history package's reader satisfies
// HistoryReader once the two are wired together.
type Range int

// The history windows.
const (
	Range5m Range = iota
	Range15m
	Range60m
)

// rangeNames are the time_range values, in Range order.
var rangeNames = [...]string{"5m", "15m", "60m"}

// String returns "5m", "15m" or "60m".
func (r Range) String() string {
	if r < 0 || int(r) >= len(rangeNames) {
		return fmt.Sprintf("Range(%d)", int(r))
	}
	return rangeNames[r]
}

// ParseRange reads a time_range value.
func ParseRange(s string) (Range, error) {
	for i, n := range rangeNames {
		if s == n {
			return Range(i), nil
		}
	}
	return 0, fmt.Errorf("time_range %q is not one of 5m, 15m, 60m", s)
}

// HistoryReader gives the snapshots of one history window, oldest first.
type HistoryReader interface {
	Snapshots(r Range) []*snapshot.Snapshot
}

// SnapshotSource gives the newest snapshot; *collector.Engine satisfies it.
type SnapshotSource interface {
	// Latest returns the newest snapshot, or nil before the first collection.
	Latest() *snapshot.Snapshot
}
