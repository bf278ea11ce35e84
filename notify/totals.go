package notify

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/hsi-top/hsi-top/snapshot"
)

// Totals are one channel's delivery counts since the process started: what /metrics
// reports as hsi_top_notifications_*_total{channel}. Like expvar's, they are process-wide
// and only grow; Notifiers that share a channel name (a restart inside one process)
// add to the same counts.
type Totals struct {
	Channel               snapshot.SourceName
	Sent, Failed, Dropped uint64
}

type totalCounters struct{ sent, failed, dropped atomic.Uint64 }

var totals sync.Map // snapshot.SourceName → *totalCounters

func countersFor(name snapshot.SourceName) *totalCounters {
	if c, ok := totals.Load(name); ok {
		return c.(*totalCounters)
	}
	c, _ := totals.LoadOrStore(name, new(totalCounters))
	return c.(*totalCounters)
}

// AllTotals returns every channel's counts, sorted by channel; empty when no channel was
// ever configured.
func AllTotals() []Totals {
	var out []Totals
	totals.Range(func(k, v any) bool {
		c := v.(*totalCounters)
		out = append(out, Totals{Channel: k.(snapshot.SourceName), Sent: c.sent.Load(), Failed: c.failed.Load(), Dropped: c.dropped.Load()})
		return true
	})
	slices.SortFunc(out, func(a, b Totals) int { return cmp.Compare(a.Channel, b.Channel) })
	return out
}
