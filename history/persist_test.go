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
