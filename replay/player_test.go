package replay

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"go.uber.org/goleak"

	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/internal/fullscreen"
	"github.com/hsi-top/hsi-top/record"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/tui"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

const hour = 720 // snapshots, one each 5 s

var (
	alertFrom = 20 * 12 // tick of minute 20
	alertTo   = 30 * 12
)

// hourSnap is tick i of a synthesised hour: the GPU's utilization climbs 0→99 % each
// 100 ticks; from minute 20 to 30 it runs hot (90 °C) with a critical alert, logged.
func hourSnap(i int) *snapshot.Snapshot {
	s := snapshot.New(t0.Add(time.Duration(i) * 5 * time.Second))
	temp := 60.0
	if i >= alertFrom && i < alertTo {
		temp = 90
	}
	s.GPUs = []snapshot.GPU{{Name: "RTX A5500", Utilization: snapshot.F(float64(i % 100)), Temperature: snapshot.F(temp)}}
	s.GPU = &s.GPUs[0]
	s.Hostname = "box"
	raised := snapshot.Time{Time: t0.Add(time.Duration(alertFrom) * 5 * time.Second)}
	if i >= alertFrom {
		e := snapshot.AlertLogEntry{Severity: snapshot.SeverityCritical, Metric: snapshot.MetricGPUTemperature,
			Message: "GPU temperature 90°C", Threshold: 85, Raised: raised, Peak: 90}
		if i >= alertTo {
			c := snapshot.Time{Time: t0.Add(time.Duration(alertTo) * 5 * time.Second)}
			e.Cleared, e.DurationSeconds = &c, c.Sub(raised.Time).Seconds()
		}
		s.AlertLog = []snapshot.AlertLogEntry{e}
	}
	if i >= alertFrom && i < alertTo {
		s.Alerts = []snapshot.Alert{{Severity: snapshot.SeverityCritical, Metric: snapshot.MetricGPUTemperature,
			Value: 90, Threshold: 85, Message: "GPU temperature 90°C", Since: raised, Peak: 90}}
	}
	return s
}

// recordedHour writes the hour with --record's writer and reads it back.
func recordedHour(t *testing.T) ([]*snapshot.Snapshot, *history.Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hour.ndjson.gz")
	w, err := record.Create(record.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	live := history.NewStore()
	for i := range hour {
		s := hourSnap(i)
		live.Process(s)
		w.Process(s)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	snaps, err := record.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return snaps, live
}

func TestRecordedHourReplaysAtSpeed60AsItWas(t *testing.T) {
	snaps, live := recordedHour(t)
	p, err := New(snaps, 60)
	if err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	for i := range snaps {
		total += p.Delay(i)
	}
	if step := 5 * time.Second / 60; p.Delay(0) != step || total != (hour-1)*step { // an hour, less one step, in a minute
		t.Errorf("the hour plays in %v at --speed 60, want just under 1m", total)
	}
	if p.Interval() != 5*time.Second {
		t.Errorf("Interval = %v, want the recording's 5s", p.Interval())
	}
	p.seekTo(0)
	for p.Step() != nil {
	}
	for _, key := range []string{history.GPUKey(0, history.GPUUtilization), history.GPUKey(0, history.GPUTemperature)} {
		for _, r := range []history.Range{history.Range5m, history.Range60m} {
			if got, want := fmt.Sprint(p.Series(key, r)), fmt.Sprint(live.Series(key, r)); got != want {
				t.Errorf("%s %v replayed differs from live:\n got %s\nwant %s", key, r, got, want)
			}
		}
	}
	if got := p.Now(); !got.Equal(snaps[hour-1].Timestamp.Time) {
		t.Errorf("clock at the end = %v, want the recording's last instant", got)
	}
	if b := p.Badge(); b != "REPLAY ×60 end" {
		t.Errorf("badge %q", b)
	}
}

// view draws the dashboard on the player at 160×48 without colour.
func view(t *testing.T, p *Player) (string, Keys) {
	t.Helper()
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	m := tui.New(tui.Options{Engine: p, History: p, Clock: p, Badge: p.Badge, Renderer: r, NoColor: true, Location: time.UTC, Range: tui.Range60m})
	t.Cleanup(m.Close)
	k := Keys{Model: m, Player: p}
	next, _ := k.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	k = next.(Keys)
	return k.View(), k
}

func TestReplayShowsTheAlertsAndClockOfTheRecording(t *testing.T) {
	snaps, _ := recordedHour(t)
	p, _ := New(snaps, 60)
	p.seekTo(alertFrom + 60) // minute 25
	v, k := view(t, p)
	for _, want := range []string{"REPLAY ×60", "09:25:00", "GPU temperature 90°C"} {
		if !strings.Contains(v, want) {
			t.Errorf("at minute 25 the view lacks %q:\n%s", want, v)
		}
	}
	// The full screen reads the dashboard's frame through the keys.
	if f := fullscreen.FrameOf(k); string(f) != v {
		t.Errorf("the keys' frame is not the dashboard's view:\n%s", f)
	}
	// ] seeks ten minutes on: the alert has cleared, the clock says 09:35.
	next, _ := k.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{']'}})
	v = next.View()
	if !strings.Contains(v, "09:35:00") || strings.Contains(v, "GPU temperature 90°C") {
		t.Errorf("after ] the view should be at 09:35 with the alert cleared:\n%s", v)
	}
	// The alert log (a) still has the cleared alert.
	next, _ = next.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'a'}})
	if v := next.View(); !strings.Contains(v, "GPU temperature 90°C") {
		t.Errorf("the alert log lacks the recorded alert:\n%s", v)
	}
}

func TestPauseStopsThePlaybackAndSeeksStillShow(t *testing.T) {
	snaps, _ := recordedHour(t)
	p, _ := New(snaps, 60)
	p.seekTo(100)
	_, k := view(t, p)
	next, _ := k.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'p'}})
	k = next.(Keys)
	if b := p.Badge(); b != "REPLAY ×60 paused" {
		t.Errorf("badge after p = %q", b)
	}
	next, _ = k.Update(tea.KeyMsg{Type: tea.KeyLeft})
	dash := next.(Keys).Model.(*tui.Model)
	if got, want := dash.Shown().Timestamp.Time, snaps[100-12].Timestamp.Time; !got.Equal(want) || !dash.Paused() {
		t.Errorf("after ← while paused: shown %v (paused %v), want %v still paused", got, dash.Paused(), want)
	}
}

func TestRunPlaysToTheEnd(t *testing.T) {
	snaps, _ := recordedHour(t)
	p, _ := New(snaps[:50], 1e9)
	sub, cancelSub := p.Subscribe()
	defer cancelSub()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	for s := range sub {
		if s == snaps[49] {
			break
		}
	}
	cancel()
	<-done
	if pos, n := p.Position(); pos != n-1 {
		t.Errorf("position %d of %d, want the last", pos, n)
	}
}

func TestNewRejectsNothingToPlay(t *testing.T) {
	if _, err := New(nil, 1); err == nil {
		t.Error("New(nil) gave no error")
	}
	if _, err := New([]*snapshot.Snapshot{hourSnap(0)}, 0); err == nil || !strings.Contains(err.Error(), "--speed") {
		t.Errorf("speed 0: %v", err)
	}
}
