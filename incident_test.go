package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/internal/fullscreen"
	"github.com/hsi-top/hsi-top/record"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/tui"
)

func TestIncidentKeyWritesTheLastHourThatReplayOpens(t *testing.T) {
	store := history.NewStore()
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	var last *snapshot.Snapshot
	for i := range 900 { // 75 minutes
		s := snapshot.New(start.Add(time.Duration(i) * 5 * time.Second))
		s.Hostname = "box"
		if i >= 800 {
			s.AlertLog = []snapshot.AlertLogEntry{{Severity: snapshot.SeverityCritical, Metric: snapshot.MetricGPUTemperature,
				Message: "GPU 0 temperature 91°C", Raised: snapshot.Time{Time: start.Add(800 * 5 * time.Second)}}}
		}
		store.Process(s)
		last = s
	}
	dir := t.TempDir()
	at := time.Date(2026, 12, 1, 9, 15, 0, 0, time.UTC)
	in := &incidents{store: store, latest: func() *snapshot.Snapshot { return last }, dir: dir, now: func() time.Time { return at }}
	m := tui.New(tui.Options{Badge: in.Badge})
	defer m.Close()
	var top tea.Model = incidentKeys{m, in}
	top, cmd := top.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(incidentKey)})
	if cmd == nil {
		t.Fatal("the incident key gave no command")
	}
	top, _ = top.Update(cmd())
	if f := fullscreen.FrameOf(top); string(f) != top.View() {
		t.Errorf("the full screen reads a frame that is not the view:\n%s", f)
	}
	path := filepath.Join(dir, "hsi-top-incident-20261201-091500.ndjson.gz")
	// The history keeps the hour tiered: 5 s for 5 minutes, 15 s for 10, 60 s for 45.
	want := history.MaxKeptSnapshots
	if b := in.Badge(); !strings.Contains(b, path) || !strings.Contains(b, fmt.Sprintf("%d snapshots", want)) {
		t.Errorf("badge %q, want it to name %s and %d snapshots", b, path, want)
	}
	snaps, err := record.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != want || !snaps[want-1].Timestamp.Equal(last.Timestamp.Time) || snaps[0].Timestamp.Before(last.Timestamp.Add(-time.Hour)) {
		t.Errorf("bundle: %d snapshots from %v to %v, want the last hour's %d ending %v", len(snaps), snaps[0].Timestamp, snaps[len(snaps)-1].Timestamp, want, last.Timestamp)
	}
	if gap := snaps[want-1].Timestamp.Sub(snaps[want-2].Timestamp.Time); gap != 5*time.Second {
		t.Errorf("the bundle's last two snapshots are %s apart, want 5s", gap)
	}
	if gap := snaps[1].Timestamp.Sub(snaps[0].Timestamp.Time); gap != time.Minute {
		t.Errorf("the bundle's first two snapshots are %s apart, want 1m", gap)
	}
	if got := snaps[want-1].AlertLog; len(got) != 1 || got[0].Message != "GPU 0 temperature 91°C" {
		t.Errorf("the bundle's alert log at its end: %+v", got)
	}
	if code, _, stderr := runCLI("--config", writeConfig(t, offline), "--replay", path); code != exitUnknown || !strings.Contains(stderr, "not a terminal") {
		t.Errorf("--replay of the bundle read it? exit %d %q", code, stderr) // it got as far as wanting a terminal
	}
	// Fifteen seconds on, the header no longer names it.
	at = at.Add(16 * time.Second)
	if b := in.Badge(); b != "" {
		t.Errorf("badge after 16s: %q", b)
	}
	empty := &incidents{store: history.NewStore(), latest: func() *snapshot.Snapshot { return nil }, dir: dir, now: time.Now}
	if msg := empty.write(); !strings.Contains(msg, "nothing collected") {
		t.Errorf("an empty history: %q", msg)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the bundle directory, want 1 (no temporary left)", len(entries))
	}
}
