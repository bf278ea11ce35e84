// Package alerts evaluates contract.md §5's rules on every snapshot and fills its
// alerts array and alert log. The Engine is a collector stage: pure apart from the
// optional log file, with time taken from the snapshots' timestamps, so tests replay
// any sequence without sleeping.
//
// Semantics, per metric and object (a GPU, a mount):
//   - A level is "held" when every sample since the run began is past it and the run
//     has lasted the level's window (zero: at once). An unknown value (nil), a missing
//     object, or a pause of more than twice the collection interval between samples
//     ends the run: gaps never count as past the level.
//   - The alert is the highest held severity; at most one per metric and object.
//   - An active alert stays until its value falls back past the clear level (the level
//     moved by the hysteresis percentage towards good), so a value hovering at a level
//     does not flap. A critical alert whose value falls back past the critical clear
//     level but not the warning one becomes a warning.
//   - Unknown values never raise. An active alert whose value becomes unknown is kept
//     (with its last known value) for a short while, since one missed sample is no
//     recovery; once the value has been unknown for UnknownClearSamples samples and at
//     least UnknownClearAfter, it clears, since a stale alarm helps nobody.
//     The Redis hit ratio is the exception: unknown means no lookups, so it clears at once.
//
// Each severity's span is one log entry: an escalation from warning to critical clears
// the warning entry and raises a critical one at the same instant. The log is shared by
// successive snapshots until an entry changes (raise, clear, new peak), so an ongoing
// entry's DurationSeconds is 0; AlertLogEntry.Duration gives the time so far.
package alerts

import (
	"cmp"
	"slices"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// LogSize bounds the alert log.
const LogSize = 200

// An active alert whose value is unknown clears once it has been unknown for
// UnknownClearSamples consecutive samples spanning at least UnknownClearAfter.
const (
	UnknownClearSamples = 3
	UnknownClearAfter   = time.Minute
)

// Severity indexes.
const (
	sevNone     = -1
	sevWarning  = 0
	sevCritical = 1
)

var severityNames = [2]string{snapshot.SeverityWarning, snapshot.SeverityCritical}

// Options tune an Engine beyond the configuration.
type Options struct {
	// Interval is the collection interval. A pause of more than twice it between two
	// samples breaks a sustained run. Zero: only unknown values and missing objects do.
	Interval time.Duration
}

// Engine evaluates the alert rules. Process runs on one goroutine (the collector
// engine's); Err and Close may be called from others.
type Engine struct {
	rules  []compiled
	states [][]*state // per rule, sorted by object
	maxGap time.Duration

	log       []*record // most recent first, at most LogSize
	published []snapshot.AlertLogEntry
	logDirty  bool

	buf []reading

	file *logFile
}

// state is one metric and object's evaluation state.
type state struct {
	object string
	seen   bool

	lastSample time.Time // last tick the object had a sample, known or not
	lastKnown  time.Time
	unknownN   int     // consecutive unknown samples
	value      float64 // last known value

	runSince [2]time.Time // start of the current run past each level; zero: no run

	sev     int // active severity or sevNone
	rec     *record
	message string
}

// record is one log entry under construction.
type record struct {
	entry snapshot.AlertLogEntry
}

// NewEngine returns an engine for the enabled rules of cfg.
func NewEngine(cfg config.AlertsConfig, opts Options) *Engine {
	defs := definitions()
	e := &Engine{logDirty: true}
	for _, nr := range cfg.Rules.List() {
		def, ok := defs[snapshot.AlertMetric(nr.Metric)]
		if !ok || !nr.Rule.Enabled {
			continue
		}
		e.rules = append(e.rules, compile(def, *nr.Rule, cfg.HysteresisPercent))
	}
	e.states = make([][]*state, len(e.rules))
	if opts.Interval > 0 {
		e.maxGap = 2 * opts.Interval
	}
	if cfg.LogFile != "" {
		e.file = newLogFile(cfg.LogFile)
	}
	return e
}

// Process evaluates every rule on s at s's timestamp and sets s.Alerts (critical
// first) and s.AlertLog (most recent first).
func (e *Engine) Process(s *snapshot.Snapshot) {
	if s == nil {
		return
	}
	now := s.Timestamp.Time
	var active []snapshot.Alert
	for i := range e.rules {
		r := &e.rules[i]
		e.buf = r.read(s, e.buf[:0])
		for _, rd := range e.buf {
			st := e.state(i, rd.object)
			if st.seen {
				continue // a duplicate object (two mounts with one path): first wins
			}
			st.seen = true
			e.step(r, st, rd, now, s)
		}
		kept := e.states[i][:0]
		for _, st := range e.states[i] {
			seen := st.seen
			st.seen = false
			if !seen {
				// The object is gone this tick: an unknown sample.
				e.step(r, st, reading{object: st.object}, now, s)
				if st.sev == sevNone {
					continue // absent and quiet: forget it, so memory stays bounded
				}
			}
			kept = append(kept, st)
			if st.sev != sevNone {
				active = append(active, snapshot.Alert{
					Severity:  severityNames[st.sev],
					Metric:    r.metric,
					Value:     st.value,
					Threshold: r.levels[st.sev],
					Message:   st.message,
					Object:    st.object,
					Since:     st.rec.entry.Raised,
					Peak:      st.rec.entry.Peak,
				})
			}
		}
		clear(e.states[i][len(kept):])
		e.states[i] = kept
	}
	slices.SortStableFunc(active, func(a, b snapshot.Alert) int {
		return cmp.Compare(severityRank(b.Severity), severityRank(a.Severity))
	})
	if active == nil {
		active = []snapshot.Alert{}
	}
	s.Alerts = active
	s.AlertLog = e.logFor()
}

func severityRank(s string) int {
	if s == snapshot.SeverityCritical {
		return 1
	}
	return 0
}

// state finds or adds rule i's state for object, keeping the list sorted.
func (e *Engine) state(i int, object string) *state {
	list := e.states[i]
	j, found := slices.BinarySearchFunc(list, object, func(st *state, o string) int { return cmp.Compare(st.object, o) })
	if found {
		return list[j]
	}
	st := &state{object: object, sev: sevNone}
	e.states[i] = slices.Insert(list, j, st)
	return st
}

// step advances one object's state by one sample.
func (e *Engine) step(r *compiled, st *state, rd reading, now time.Time, s *snapshot.Snapshot) {
	gap := e.maxGap > 0 && !st.lastSample.IsZero() && now.Sub(st.lastSample) > e.maxGap
	st.lastSample = now
	if gap || !rd.ok {
		st.runSince = [2]time.Time{}
	}
	if !rd.ok {
		st.unknownN++
		if st.sev != sevNone && (r.clearOnUnknown || st.unknownN >= UnknownClearSamples && now.Sub(st.lastKnown) >= UnknownClearAfter) {
			e.transition(r, st, sevNone, now, s)
		}
		return
	}
	st.unknownN = 0
	st.value, st.lastKnown = rd.value, now

	held := [2]bool{}
	for lvl := range 2 {
		if !r.cmp.past(rd.value, r.levels[lvl]) {
			st.runSince[lvl] = time.Time{}
			continue
		}
		if st.runSince[lvl].IsZero() {
			st.runSince[lvl] = now
		}
		held[lvl] = now.Sub(st.runSince[lvl]) >= r.windows[lvl]
	}

	target := sevNone
	switch {
	case held[sevCritical]:
		target = sevCritical
	case held[sevWarning]:
		target = sevWarning
	}
	// Hysteresis: an active level stays until the value is back past its clear level.
	if target < st.sev {
		switch {
		case st.sev == sevCritical && r.cmp.past(rd.value, r.clearLvl[sevCritical]):
			target = sevCritical
		case r.cmp.past(rd.value, r.clearLvl[sevWarning]):
			target = sevWarning
		}
	}
	if target != st.sev {
		e.transition(r, st, target, now, s)
	}
	if st.sev == sevNone {
		return
	}
	st.message = r.message(s, rd, levelWord(st.sev, r.cmp))
	// A new peak does not republish the log: a value that keeps climbing (a filling
	// disk) would copy the whole log into every snapshot the history keeps. An ongoing
	// entry's peak in the log is as of the last raise or clear; the active Alert
	// carries the live one, and the entry's final peak is published when it clears.
	if r.cmp.worse(rd.value, st.rec.entry.Peak) {
		st.rec.entry.Peak = rd.value
	}
}

// transition ends the active entry (if any) and raises the target severity (if any).
func (e *Engine) transition(r *compiled, st *state, target int, now time.Time, s *snapshot.Snapshot) {
	if st.sev != sevNone {
		rec := st.rec
		cleared := snapshot.Time{Time: now.UTC()}
		rec.entry.Cleared = &cleared
		rec.entry.DurationSeconds = max(0, now.Sub(rec.entry.Raised.Time).Seconds()) // 0 if the clock stepped back
		e.writeFile("clear", now, rec.entry, st.value)
		st.rec = nil
	}
	st.sev = target
	e.logDirty = true
	if target == sevNone {
		st.message = ""
		return
	}
	st.message = r.message(s, reading{object: st.object, value: st.value, ok: true}, levelWord(target, r.cmp))
	rec := &record{entry: snapshot.AlertLogEntry{
		Severity:  severityNames[target],
		Metric:    r.metric,
		Object:    st.object,
		Message:   st.message,
		Threshold: r.levels[target],
		Raised:    snapshot.Time{Time: now.UTC()},
		Peak:      st.value,
	}}
	st.rec = rec
	e.log = slices.Insert(e.log, 0, rec)
	if len(e.log) > LogSize {
		clear(e.log[LogSize:])
		e.log = e.log[:LogSize]
	}
	e.writeFile("raise", now, rec.entry, st.value)
}

// logFor returns the log as the snapshot carries it. Snapshots are immutable once
// published, so an unchanged log is shared between them rather than copied per tick:
// the history keeps 720 snapshots, and a 200-entry log copied into each would take
// about 17 MB. That is why an ongoing entry's DurationSeconds stays 0 and its Peak is
// the one at the last publication (see
// snapshot.AlertLogEntry.Duration): a duration moving every tick would force a copy.
func (e *Engine) logFor() []snapshot.AlertLogEntry {
	if !e.logDirty && e.published != nil {
		return e.published
	}
	out := make([]snapshot.AlertLogEntry, len(e.log))
	for i, rec := range e.log {
		out[i] = rec.entry
	}
	e.published, e.logDirty = out, false
	return out
}

// Err returns the first error writing the log file, or nil. Alerting goes on
// regardless; the caller reports this once.
func (e *Engine) Err() error {
	if e.file == nil {
		return nil
	}
	return e.file.firstErr()
}

// Close closes the log file.
func (e *Engine) Close() error {
	if e.file == nil {
		return nil
	}
	return e.file.close()
}

func (e *Engine) writeFile(event string, now time.Time, entry snapshot.AlertLogEntry, value float64) {
	if e.file == nil {
		return
	}
	e.file.write(fileLine{Event: event, Time: snapshot.Time{Time: now.UTC()}, AlertLogEntry: entry, Value: value})
}

// fileLine is one line of the JSON-lines log file.
type fileLine struct {
	Event string        `json:"event"` // raise or clear
	Time  snapshot.Time `json:"time"`
	snapshot.AlertLogEntry
	Value float64 `json:"value"`
}
