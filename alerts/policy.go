package alerts

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// StartupGrace is the start-up period in which a raised alert is held back until its
// rule has seen a full window since start: the rule's sustain window, and at least one
// collection interval, so a value that is past its level only in the very first sample
// (a first CPU or rate reading) sends nothing. After it, an alert is sent when raised.
const StartupGrace = time.Minute

// PolicyOptions configure a Policy.
type PolicyOptions struct {
	// Start is when hsi-top started collecting (the first snapshot's time when zero).
	Start time.Time
	// RepeatEvery is how often a still-active critical is sent again (1 h when zero).
	RepeatEvery time.Duration
	// Mute lists rule names, services (container names) and mounts (paths, or any
	// alert object) whose alerts are never sent.
	Mute []string
	// Snoozes silence single alerts; none when nil.
	Snoozes *SnoozeStore
	// Interval is the collection interval, the shortest window a rule can see.
	Interval time.Duration
}

// Policy turns the active alerts of successive snapshots into the few notifications
// worth sending: one on raise, one on clear, a critical repeated at most every
// RepeatEvery, nothing for a muted or snoozed alert, and nothing during start-up until
// the rule has seen a whole window. Evaluate is called from one goroutine.
type Policy struct {
	mu      sync.Mutex // Evaluate on the engine's goroutine; Sent from the state saver's
	opts    PolicyOptions
	windows map[snapshot.AlertMetric][2]time.Duration // per metric: warning, critical
	mute    map[string]bool
	active  map[alertKey]*tracked
	started bool
}

// tracked is one active alert as the policy knows it.
type tracked struct {
	alert    snapshot.Alert
	sent     bool      // its raise went out, so its clear must too
	lastSent time.Time // last raise or repeat
	holdTill time.Time // start-up grace: not sent before
	restored bool      // known sent by the previous run, not yet seen in this one
}

// SentAlert is an alert whose raise went out, as the state file keeps it: after a
// restart an alert still active is not raised again, and its repeats keep their pace.
type SentAlert struct {
	Alert    snapshot.Alert
	LastSent time.Time
}

// Sent returns the alerts whose raise went out and that are still active.
func (p *Policy) Sent() []SentAlert {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]SentAlert, 0, len(p.active))
	for _, tr := range p.active {
		if tr.sent {
			out = append(out, SentAlert{Alert: tr.alert, LastSent: tr.lastSent})
		}
	}
	slices.SortFunc(out, func(a, b SentAlert) int {
		return cmp.Or(cmp.Compare(a.Alert.Metric, b.Alert.Metric), cmp.Compare(a.Alert.Object, b.Alert.Object))
	})
	return out
}

// Restore takes the previous run's sent alerts, before the first Evaluate. One that is
// active again at the same severity is not raised again; one that is not is cleared
// once its rule has had the time to raise it again (the start-up grace and its window).
func (p *Policy) Restore(list []SentAlert) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, sa := range list {
		k := alertKey{sa.Alert.Metric, sa.Alert.Object}
		p.active[k] = &tracked{alert: sa.Alert, sent: true, lastSent: sa.LastSent, restored: true}
	}
}

// NewPolicy returns a policy for the rules of cfg.
func NewPolicy(cfg config.AlertsConfig, opts PolicyOptions) *Policy {
	if opts.RepeatEvery <= 0 {
		opts.RepeatEvery = time.Hour
	}
	p := &Policy{opts: opts, windows: map[snapshot.AlertMetric][2]time.Duration{}, mute: map[string]bool{}, active: map[alertKey]*tracked{}}
	for _, nr := range cfg.Rules.List() {
		p.windows[snapshot.AlertMetric(nr.Metric)] = [2]time.Duration{nr.Rule.WarningFor.D(), nr.Rule.CriticalFor.D()}
	}
	for _, m := range opts.Mute {
		p.mute[m] = true
	}
	return p
}

// Evaluate returns the events that s's alerts call for, at s's timestamp.
func (p *Policy) Evaluate(s *snapshot.Snapshot) []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := s.Timestamp.Time
	if !p.started {
		p.started = true
		if p.opts.Start.IsZero() {
			p.opts.Start = now
		}
	}
	var events []Event
	seen := make(map[alertKey]bool, len(s.Alerts))
	for _, a := range s.Alerts {
		if p.Muted(a, s) {
			continue
		}
		k := alertKey{a.Metric, a.Object}
		seen[k] = true
		tr := p.active[k]
		if tr == nil || tr.alert.Severity != a.Severity {
			if tr == nil {
				tr = &tracked{holdTill: p.holdTill(a, now)}
				p.active[k] = tr
			}
			tr.sent = false // a new severity is raised anew
		}
		tr.alert, tr.restored = a, false
		if ev, ok := p.step(tr, now, s.Hostname); ok {
			events = append(events, ev)
		}
	}
	for k, tr := range p.active {
		if seen[k] || (tr.restored && now.Before(p.settled(tr.alert))) {
			continue
		}
		delete(p.active, k)
		silenced := p.opts.Snoozes.Silenced(k.metric, k.object, now)
		p.opts.Snoozes.cleared(k.metric, k.object)
		if tr.sent && !silenced {
			events = append(events, eventOf(EventClear, tr.alert, now, s.Hostname))
		}
	}
	slices.SortStableFunc(events, func(a, b Event) int {
		return cmp.Or(cmp.Compare(a.Metric, b.Metric), cmp.Compare(a.Object, b.Object))
	})
	return events
}

// step decides whether one active alert is sent now: its raise, or a repeat.
func (p *Policy) step(tr *tracked, now time.Time, host string) (Event, bool) {
	if now.Before(tr.holdTill) || p.opts.Snoozes.Silenced(tr.alert.Metric, tr.alert.Object, now) {
		return Event{}, false
	}
	switch {
	case !tr.sent:
		tr.sent, tr.lastSent = true, now
		return eventOf(EventRaise, tr.alert, now, host), true
	case tr.alert.Severity == snapshot.SeverityCritical && now.Sub(tr.lastSent) >= p.opts.RepeatEvery:
		tr.lastSent = now
		return eventOf(EventRepeat, tr.alert, now, host), true
	}
	return Event{}, false
}

// holdTill is when an alert first seen at now may be sent: at once after the start-up
// grace; inside it, once its rule has seen a full window (at least one interval) since
// start.
func (p *Policy) holdTill(a snapshot.Alert, now time.Time) time.Time {
	if !now.Before(p.opts.Start.Add(StartupGrace)) {
		return time.Time{}
	}
	w := p.windows[a.Metric]
	window := w[0]
	if a.Severity == snapshot.SeverityCritical {
		window = w[1]
	}
	return p.opts.Start.Add(max(window, p.opts.Interval))
}

// settled is when a rule has had the time, since start, to raise a again: the start-up
// grace, its window and one interval.
func (p *Policy) settled(a snapshot.Alert) time.Time {
	w := p.windows[a.Metric]
	window := w[0]
	if a.Severity == snapshot.SeverityCritical {
		window = w[1]
	}
	return p.opts.Start.Add(max(StartupGrace, window+p.opts.Interval))
}

// Muted reports whether a is expected: its rule, its object (a mount, a GPU) or, for
// container health, every service that is down is in the mute list.
func (p *Policy) Muted(a snapshot.Alert, s *snapshot.Snapshot) bool {
	if len(p.mute) == 0 {
		return false
	}
	if p.mute[string(a.Metric)] || (a.Object != "" && p.mute[a.Object]) {
		return true
	}
	if a.Metric != snapshot.MetricContainerHealth {
		return false
	}
	down := 0
	for _, c := range s.Containers {
		if c.Down() {
			if !p.mute[c.Name] {
				return false
			}
			down++
		}
	}
	return down > 0
}

// CriticalActive reports whether s has a critical alert that is not muted: the
// heartbeat stops then.
func (p *Policy) CriticalActive(s *snapshot.Snapshot) bool {
	for _, a := range s.Alerts {
		if a.Severity == snapshot.SeverityCritical && !p.Muted(a, s) {
			return true
		}
	}
	return false
}

func eventOf(kind EventKind, a snapshot.Alert, now time.Time, host string) Event {
	ev := Event{
		Event: kind, Severity: a.Severity, Metric: a.Metric, Object: a.Object,
		Value: a.Value, Threshold: a.Threshold, Message: a.Message,
		Raised: a.Since, Time: snapshot.Time{Time: now.UTC()}, Host: host,
	}
	if kind == EventClear {
		c := ev.Time
		ev.Cleared = &c
		ev.Message = "Resolved: " + a.Message
	}
	return ev
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
