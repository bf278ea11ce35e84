package collector

import (
	"sort"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// Assemble builds the snapshot at ts that the engine would publish for a tick in which
// each source of results answered with that result: every result's own sections, then
// the resolver. Tests and golden files build their snapshots with it, so a hand-made
// snapshot goes through the same steps as a collected one.
func Assemble(ts time.Time, gpuIndex int, results map[snapshot.SourceName]Result) *snapshot.Snapshot {
	s := snapshot.New(ts)
	names := make([]snapshot.SourceName, 0, len(results))
	for name := range results {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return names[i] < names[j] })
	collected := make(map[snapshot.SourceName]*Collected, len(results))
	for _, name := range names {
		res := results[name]
		st := snapshot.SourceStatus{Source: name, OK: true, LastSuccess: snapshot.At(ts), AgeSeconds: snapshot.F(0), Via: res.Via}
		s.Sources = append(s.Sources, st)
		r := res.Readings
		collected[name] = &Collected{Status: st, Readings: &r}
		if res.Apply != nil {
			res.Apply(s)
		}
	}
	Resolve(s, collected, gpuIndex)
	return s
}
