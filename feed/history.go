package feed

import (
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
)

// HistoryReader gives the snapshots of one history window, oldest first, at most
// history.Points of them; *history.Store satisfies it.
type HistoryReader interface {
	Snapshots(r history.Range) []*snapshot.Snapshot
}

// SnapshotSource gives the newest snapshot; *collector.Engine satisfies it.
type SnapshotSource interface {
	// Latest returns the newest snapshot, or nil before the first collection.
	Latest() *snapshot.Snapshot
}

// rangeNames are the valid time_range values, for the 400 answer.
func rangeNames() []string {
	names := make([]string, len(history.Ranges))
	for i, r := range history.Ranges {
		names[i] = r.String()
	}
	return names
}
