package tui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/snapshot"
)

// silenceModel is the three-alert scenario in a model whose alert log can silence;
// every request lands in *got (or fails with fail when set).
func silenceModel(t *testing.T, got *[]SilenceRequest, fail error) (*Model, *fakeEngine) {
	t.Helper()
	eng := newFakeEngine()
	clk := clock.NewFake(t0)
	m := New(Options{Engine: eng, History: newFakeHistory(), Renderer: asciiRenderer(), Clock: clk, Location: time.UTC,
		Silence: func(r SilenceRequest) error { *got = append(*got, r); return fail }})
	t.Cleanup(m.Close)
	m.Update(sizeMsg(200, 60))
	m.Update(SnapshotMsg{build(scAlerts3, 0)})
	return m, eng
}

// run carries out a key's command as Bubble Tea would, and feeds its message back.
func run(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		t.Fatal("the key gave no command")
	}
	m.Update(cmd())
}

// TestAlertLogSilenceKeys: in the alert log, ↓ selects the next alert, s snoozes it
// for 15m then 1h, 4h, 24h on further presses, A acknowledges it, u ends either; the
// log says what was done, and shows the silence the next snapshot carries.
func TestAlertLogSilenceKeys(t *testing.T) {
	var got []SilenceRequest
	m, _ := silenceModel(t, &got, nil)
	press(m, "a")
	if f := m.View(); !strings.Contains(f, "▸ ✖ CRIT  Redis memory critical") || !strings.Contains(f, "↑↓ select · s snooze · A ack · u unsnooze") {
		t.Fatalf("the first alert is not selected, or the keys are not named:\n%s", f)
	}
	press(m, "down")
	if f := m.View(); !strings.Contains(f, "▸ ✖ CRIT  PostgreSQL connections critical") {
		t.Fatalf("↓ does not select the second alert:\n%s", f)
	}
	for range 5 {
		run(t, m, press(m, "s"))
	}
	run(t, m, press(m, "A"))
	run(t, m, press(m, "u"))
	want := []SilenceRequest{
		{Action: SilenceSnooze, For: 15 * time.Minute}, {Action: SilenceSnooze, For: time.Hour},
		{Action: SilenceSnooze, For: 4 * time.Hour}, {Action: SilenceSnooze, For: 24 * time.Hour},
		{Action: SilenceSnooze, For: 15 * time.Minute}, {Action: SilenceAck}, {Action: SilenceOff},
	}
	defer func() { // the s after u goes on from where the cycle was
		if r := got[len(got)-1]; r.Action != SilenceSnooze || r.For != time.Hour {
			t.Errorf("the last s = %+v, want a 1h snooze", r)
		}
	}()
	if len(got) != len(want) {
		t.Fatalf("requests = %+v", got)
	}
	for i, r := range got[:len(want)] {
		if r.Action != want[i].Action || r.For != want[i].For || r.Metric != snapshot.MetricPGConnections || r.Object != "" || !r.At.Equal(t0) {
			t.Errorf("request %d = %+v, want %+v for pg_connections", i, r, want[i])
		}
	}
	if f := m.View(); !strings.Contains(f, "pg_connections no longer snoozed") {
		t.Errorf("the log does not say what u did:\n%s", f)
	}
	run(t, m, press(m, "s"))
	if f := m.View(); !strings.Contains(f, "pg_connections snoozed for 1h (s again: 4h)") {
		t.Errorf("the log does not say what s did:\n%s", f)
	}

	// The next snapshot carries the silences (the SnoozeStore's marks).
	s := build(scAlerts3, 1)
	until := snapshot.Time{Time: t0.Add(time.Hour)}
	for i := range s.Alerts {
		switch s.Alerts[i].Metric {
		case snapshot.MetricPGConnections:
			s.Alerts[i].Silenced = &snapshot.Silence{Until: &until}
		case snapshot.MetricRedisMemory:
			s.Alerts[i].Silenced = &snapshot.Silence{}
		}
	}
	m.Update(SnapshotMsg{s})
	f := m.View()
	for _, want := range []string{"CRIT  [snoozed until 23:15] PostgreSQL connections critical: 97/100", "CRIT  [acknowledged] Redis memory critical: 512.0MB"} {
		if !strings.Contains(f, want) {
			t.Errorf("the log lacks %q:\n%s", want, f)
		}
	}
}

// TestAlertLogSilenceFailureAndWithout: a request that fails says why in the log; a
// dashboard without Options.Silence keeps ↑↓ for scrolling and ignores s, A and u.
func TestAlertLogSilenceFailureAndWithout(t *testing.T) {
	var got []SilenceRequest
	m, _ := silenceModel(t, &got, errors.New("state directory: permission denied"))
	press(m, "a")
	run(t, m, press(m, "A"))
	if f := m.View(); !strings.Contains(f, "not silenced: state directory: permission denied") {
		t.Errorf("the failure is not shown:\n%s", f)
	}

	plain, _, _, _ := newTestModel(scAlerts3, 1, 200, 60)
	defer plain.Close()
	press(plain, "a")
	for _, k := range []string{"s", "A", "u"} {
		if cmd := press(plain, k); cmd != nil {
			t.Errorf("%s without Options.Silence gave a command", k)
		}
	}
	if f := plain.View(); strings.Contains(f, "▸") || !strings.Contains(f, "a or esc closes · ↑↓ scroll") {
		t.Errorf("the log without Silence changed:\n%s", f)
	}
}
