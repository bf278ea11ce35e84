package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/record"
	"github.com/hsi-top/hsi-top/snapshot"
)

// recordedHourFile writes a synthesised hour (720 snapshots 5 s apart, fake clock): the
// GPU hot with a critical alert from minute 2 to minute 4, logged.
func recordedHourFile(t *testing.T, path string, start time.Time) {
	t.Helper()
	raised := snapshot.Time{Time: start.Add(2 * time.Minute)}
	cleared := snapshot.Time{Time: start.Add(4 * time.Minute)}
	snaps := make([]*snapshot.Snapshot, 720)
	for i := range snaps {
		ts := start.Add(time.Duration(i) * 5 * time.Second)
		s := snapshot.New(ts)
		s.Hostname = "recorded-box"
		hot := !ts.Before(raised.Time) && ts.Before(cleared.Time)
		temp := 55.0
		if hot {
			temp = 91
		}
		s.GPUs = []snapshot.GPU{{Name: "RTX A5500", Utilization: snapshot.F(float64(i % 100)), Temperature: snapshot.F(temp)}}
		s.GPU = &s.GPUs[0]
		if !ts.Before(raised.Time) {
			e := snapshot.AlertLogEntry{Severity: snapshot.SeverityCritical, Metric: snapshot.MetricGPUTemperature,
				Message: "GPU 0 temperature 91°C", Threshold: 85, Raised: raised, Peak: 91}
			if !hot {
				e.Cleared, e.DurationSeconds = &cleared, 120
			}
			s.AlertLog = []snapshot.AlertLogEntry{e}
		}
		if hot {
			s.Alerts = []snapshot.Alert{{Severity: snapshot.SeverityCritical, Metric: snapshot.MetricGPUTemperature,
				Value: 91, Threshold: 85, Message: "GPU 0 temperature 91°C", Since: raised, Peak: 91}}
		}
		snaps[i] = s
	}
	if err := record.WriteFile(path, snaps); err != nil {
		t.Fatal(err)
	}
}

// TestReplayInTmux plays a recorded hour at --speed 60 in a 120×40 tmux pane: the header
// says REPLAY ×60 with the recording's clock, the critical alert shows while it was
// active and clears when it did, ] seeks ten minutes, 3 shows the 60m charts, p pauses
// the playback, and q exits 0.
func TestReplayInTmux(t *testing.T) {
	dir, bin := tmuxBinary(t)
	rec := filepath.Join(dir, "hour.ndjson.gz")
	start := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)
	recordedHourFile(t, rec, start)

	exitFile := filepath.Join(dir, "exit")
	shell := fmt.Sprintf("cd %q && env -u CI NO_COLOR=1 TZ=UTC TERM=xterm-256color %q --replay %q --speed 60 --config /dev/null; echo $? > %q; sleep 60",
		dir, bin, rec, exitFile)
	s := startTmux(t, "hsi-top-e2e-replay", 120, 40, shell)
	run := s.run
	waitFor := func(what string, ok func(string) bool) string { t.Helper(); return s.waitFor(what, 400, ok) }
	waitFor("the replay", contains("REPLAY ×60", "recorded-box", "RTX A5500", "22:0"))
	// Minute 2 to 4 of the recording is 2 to 4 s at ×60.
	hot := waitFor("the recorded alert", contains("GPU 0 temperature 91°C", "22:0"))
	t.Logf("during the alert:\n%s", hot)
	waitFor("the alert cleared", func(sc string) bool {
		return (strings.Contains(sc, "22:04") || strings.Contains(sc, "22:05")) && !strings.Contains(sc, "GPU 0 temperature 91°C")
	})
	run("send-keys", "-t", s.name, "]")
	waitFor("a seek of ten minutes", contains("22:1"))
	run("send-keys", "-t", s.name, "3")
	waitFor("the 60m range", contains("[60m]"))
	run("send-keys", "-t", s.name, "p")
	paused := waitFor("the pause", contains("REPLAY ×60 paused", "❚❚ Paused at 22:1"))
	run("send-keys", "-t", s.name, "a")
	waitFor("the alert log", contains("GPU 0 temperature 91°C"))
	t.Logf("paused:\n%s", paused)
	run("send-keys", "-t", s.name, "q")
	wantExitZero(t, exitFile)
}
