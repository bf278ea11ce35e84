package tui

import (
	"strconv"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/hsi-top/hsi-top/snapshot"
)

// SilenceAction is what a key of the alert log asks for the selected alert.
type SilenceAction int

// The alert log's actions: s snoozes, A acknowledges (until the alert clears), u ends
// either.
const (
	SilenceSnooze SilenceAction = iota
	SilenceAck
	SilenceOff
)

// SilenceRequest is one key's request for the selected alert; For is a snooze's time.
type SilenceRequest struct {
	Action SilenceAction
	Metric snapshot.AlertMetric
	Object string
	For    time.Duration
	At     time.Time
}

// snoozeSteps are the times successive s presses on one alert choose, in turn.
var snoozeSteps = [...]time.Duration{15 * time.Minute, time.Hour, 4 * time.Hour, 24 * time.Hour}

// silenceDoneMsg is the result of a request, run off the UI goroutine.
type silenceDoneMsg struct {
	note string
	err  error
}

// silencing reports whether the alert log selects alerts: Options.Silence is set.
func (m *Model) silencing() bool { return m.opts.Silence != nil }

// selectedAlert is the alert the log's selection is on, clamped to the active alerts.
func (m *Model) selectedAlert() (snapshot.Alert, bool) {
	if m.shown == nil || len(m.shown.Alerts) == 0 {
		return snapshot.Alert{}, false
	}
	as := sortedAlerts(m.shown.Alerts)
	m.logSel = max(0, min(m.logSel, len(as)-1))
	return as[m.logSel], true
}

// moveSelection moves the log's selection by d alerts; a new alert starts its snooze
// times at the first.
func (m *Model) moveSelection(d int) {
	m.logSel += d
	if _, ok := m.selectedAlert(); ok {
		m.snoozeStep = 0
	}
	m.bodyValid, m.frameOK = false, false
}

// onSilenceKey turns s, A or u on the selected alert into a request, run as a command
// (the request may write to the state directory; the UI goroutine does no I/O).
func (m *Model) onSilenceKey(msg tea.KeyMsg) tea.Cmd {
	a, ok := m.selectedAlert()
	if !ok {
		return nil
	}
	r := SilenceRequest{Metric: a.Metric, Object: a.Object, At: m.clock.Now()}
	name := string(a.Metric)
	if a.Object != "" {
		name += ":" + a.Object
	}
	var note string
	switch {
	case key.Matches(msg, m.keys.Snooze):
		r.Action, r.For = SilenceSnooze, snoozeSteps[m.snoozeStep%len(snoozeSteps)]
		m.snoozeStep++
		note = name + " snoozed for " + stepText(r.For) + " (s again: " + stepText(snoozeSteps[m.snoozeStep%len(snoozeSteps)]) + ")"
	case key.Matches(msg, m.keys.Ack):
		r.Action, note = SilenceAck, name+" acknowledged until it clears"
	default:
		r.Action, note = SilenceOff, name+" no longer snoozed"
	}
	silence, eng := m.opts.Silence, m.opts.Engine
	return func() tea.Msg {
		if err := silence(r); err != nil {
			return silenceDoneMsg{err: err}
		}
		if eng != nil {
			eng.CollectNow() // the log shows it at the next snapshot
		}
		return silenceDoneMsg{note: note}
	}
}

// onSilenceDone shows a request's outcome under the log.
func (m *Model) onSilenceDone(msg silenceDoneMsg) {
	m.logNote = msg.note
	if msg.err != nil {
		m.logNote = "not silenced: " + msg.err.Error()
	}
	m.bodyValid, m.frameOK = false, false
}

// silenceText is how the log shows an active alert's silence: "snoozed until 14:05" or
// "acknowledged"; "" when it is not silenced.
func (m *Model) silenceText(a snapshot.Alert) string {
	sl := a.Silenced
	switch {
	case sl == nil:
		return ""
	case sl.Until == nil:
		return "acknowledged"
	}
	s := "snoozed until " + sl.Until.In(m.loc).Format("15:04")
	if sl.Until.Sub(m.shown.Timestamp.Time) >= 24*time.Hour-time.Minute {
		s = "snoozed until " + sl.Until.In(m.loc).Format("Mon 15:04")
	}
	if sl.AllObjects {
		s += " (whole rule)"
	}
	return s
}

// stepText is a snooze time as the keys name it: 15m, 1h, 4h, 24h.
func stepText(d time.Duration) string {
	if d < time.Hour {
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return strconv.Itoa(int(d/time.Hour)) + "h"
}
