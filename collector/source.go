// Package collector gathers the numbers: one Source per place they come from (one file
// each), and the Engine that runs all sources concurrently every tick, each under its own
// deadline, and merges their results into a new immutable snapshot.
package collector

import (
	"context"

	"github.com/hsi-top/hsi-top/snapshot"
)

// Source is one place numbers come from (the host, NVML, PostgreSQL, an HTTP service).
type Source interface {
	// Name identifies the source in freshness reports ("host", "postgres", …).
	Name() snapshot.SourceName
	// Collect reads the source once. It must return when ctx is done. The Result it
	// returns describes what it read; it is applied to this tick's snapshot and, while
	// later collections fail, to later snapshots too (marked stale), so it must capture
	// values, not references to state the source keeps changing.
	Collect(ctx context.Context) (Result, error)
}

// Result is what one collection found: the sections only this source fills, and its
// readings of the parts several sources can fill. A source describes what it read; it
// never looks at other sources or at the snapshot (the resolver decides who wins).
type Result struct {
	// Apply writes the sections this source alone fills (the host, the LLM's card)
	// into a snapshot under construction; nil when it has none. While later
	// collections fail the engine applies the last good result again (values kept,
	// marked stale through Sources), so Apply must capture values, not references to
	// state the source keeps changing.
	Apply func(s *snapshot.Snapshot)
	// Readings are the parts the resolver decides between (resolve.go).
	Readings Readings
	// Via says where the numbers came from (snapshot.ViaNVML, ViaPrometheus, …).
	Via string
}

// SourceFunc adapts a function to a Source.
type SourceFunc struct {
	SourceName snapshot.SourceName
	Fn         func(ctx context.Context) (Result, error)
}

// Name returns the source's name.
func (f SourceFunc) Name() snapshot.SourceName { return f.SourceName }

// Collect calls Fn.
func (f SourceFunc) Collect(ctx context.Context) (Result, error) { return f.Fn(ctx) }

// Stage is a step that runs on every merged snapshot before it is published, in order:
// container timelines, alerts, then history (last: it keeps the snapshot by pointer, so
// nothing may change it after). Stages run on the engine goroutine and may keep
// state between ticks.
type Stage interface {
	Process(s *snapshot.Snapshot)
}

// TickStarter is a Stage with work at the start of every tick as well: TickStarted runs
// on the engine goroutine right after the sources are started, before their answers are
// merged and the stages' Process. Polling local files belongs there: a system call made
// while the program is awake for the tick's timer adds nothing, where one made after the
// sources answered wakes the runtime's monitor thread and restarts its fastest polling
// for the next seconds (see internal/rawio).
type TickStarter interface {
	Stage
	TickStarted()
}

// StageFunc adapts a function to a Stage.
type StageFunc func(s *snapshot.Snapshot)

// Process calls f.
func (f StageFunc) Process(s *snapshot.Snapshot) { f(s) }

// Fresh reports whether the named source succeeded this tick (for stages and tests).
func Fresh(s *snapshot.Snapshot, name snapshot.SourceName) bool {
	st, ok := s.Source(name)
	return ok && st.OK
}
