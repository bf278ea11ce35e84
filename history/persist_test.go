package history

import (
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// After a restart the ranges count back from the new run's first tick, whose phase
// differs from the old run's: every range still finds the saved points, a whole hour of
// them at 60m.
func TestSavedHistoryAfterARestart(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 1, 300_000_000, time.UTC)
	old := NewStore()
	var last time.Time
	for i := range 3600 {
		last = start.Add(time.Duration(i) * time.Second)
		s := snapshot.New(last)
		s.Host.CPUPercent = snapshot.F(float64(i % 100))
		old.Process(s)
	}
	saved := old.Save()

	restarted := NewStore()
	if err := restarted.Restore(saved); err != nil {
		t.Fatal(err)
	}
	back := last.Add(42*time.Second + 2400*time.Millisecond) // down 42 s, another phase
	restarted.Process(snapshot.New(back))
	for _, r := range Ranges {
		snaps := restarted.Snapshots(r)
		// The 42 s hsi-top was down are a gap; every other target has its point.
		res := time.Duration(resolutionSeconds[r]) * time.Second
		if want := Points - int((42*time.Second+res-1)/res) - 1; len(snaps) < want {
			t.Errorf("%s: %d points after the restart, want at least %d", r, len(snaps), want)
			continue
		}
		if !snaps[0].Timestamp.Before(last) {
			t.Errorf("%s: the oldest point %s is not from before the restart", r, snaps[0].Timestamp)
		}
	}
	// The new snapshot (no CPU reading) falls in the old run's last minute: every bucket
	// reads as before the restart.
	a, b := old.Series(KeyHostCPU, Range60m), restarted.Series(KeyHostCPU, Range60m)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("60m CPU bucket %d: %+v after the restart, want %+v", i, b[i], a[i])
		}
	}
}

// TestRestoreSharesEqualAlertLogs: decoding a saved hour gives each kept snapshot its own
// copy of the alert log; Restore shares equal successive logs again, as the running
// engine does, and keeps a changed one apart.
func TestRestoreSharesEqualAlertLogs(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cleared := snapshot.Time{Time: t0.Add(time.Minute)}
	entry := func() snapshot.AlertLogEntry { // a fresh copy each time, as gob decodes
		c := cleared
		return snapshot.AlertLogEntry{Severity: "warning", Metric: snapshot.MetricHostCPU, Message: "CPU 95%",
			Threshold: 90, Raised: snapshot.Time{Time: t0}, Cleared: &c, Peak: 97, DurationSeconds: 60}
	}
	var saved Saved
	for i := range 3 {
		s := snapshot.New(t0.Add(time.Duration(i) * 5 * time.Second))
		s.AlertLog = []snapshot.AlertLogEntry{entry()}
		if i == 2 {
			s.AlertLog[0].Peak = 99 // the log changed
		}
		saved.Snapshots = append(saved.Snapshots, s)
	}
	st := NewStore()
	if err := st.Restore(saved); err != nil {
		t.Fatal(err)
	}
	logs := saved.Snapshots
	if &logs[0].AlertLog[0] != &logs[1].AlertLog[0] {
		t.Error("two successive equal logs were not shared")
	}
	if &logs[1].AlertLog[0] == &logs[2].AlertLog[0] || logs[2].AlertLog[0].Peak != 99 {
		t.Error("a changed log was replaced by the one before it")
	}
}
