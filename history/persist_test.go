package history

import (
	"bytes"
	"encoding/gob"
	"runtime"
	"slices"
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

// TestRestoreSharesContainerTimelines: a state file decodes every container timeline as
// 60 strings of its own per row per snapshot; Restore puts them back into shared
// buffers, as the running engine keeps them, without changing a state. The test
// round-trips through gob as the state file does.
func TestRestoreSharesContainerTimelines(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	rows := []string{"backend", "frontend", "postgres", "redis", "ai-detector", "ai-llm"}
	states := []string{snapshot.HealthHealthy, "unreachable", snapshot.HealthStarting}
	stateAt := func(row, tick int) string { // flapping now and then, differently per row
		if (tick/(37+row))%5 == 4 {
			return states[1+(tick+row)%2]
		}
		return states[0]
	}
	old := NewStore()
	for tick := range 3600 { // an hour of 1 s ticks
		s := snapshot.New(t0.Add(time.Duration(tick) * time.Second))
		for r, name := range rows {
			var tl []string
			for k := max(0, tick-59); k <= tick; k++ {
				tl = append(tl, stateAt(r, k))
			}
			s.Containers = append(s.Containers, snapshot.Container{Name: name, State: tl[len(tl)-1], Timeline: tl})
		}
		old.Process(s)
	}
	var file bytes.Buffer
	if err := gob.NewEncoder(&file).Encode(old.Save()); err != nil {
		t.Fatal(err)
	}
	old = nil
	before := heapAfterGC()
	var decoded Saved
	if err := gob.NewDecoder(&file).Decode(&decoded); err != nil {
		t.Fatal(err)
	}
	back := NewStore()
	if err := back.Restore(decoded); err != nil {
		t.Fatal(err)
	}
	decoded = Saved{}
	file = bytes.Buffer{}
	after := heapAfterGC()
	runtime.KeepAlive(back)
	kept := back.Save().Snapshots
	if len(kept) != MaxKeptSnapshots {
		t.Fatalf("%d snapshots restored, want %d", len(kept), MaxKeptSnapshots)
	}
	for _, s := range kept {
		tick := int(s.Timestamp.Sub(t0) / time.Second)
		for r, c := range s.Containers {
			if want := min(60, tick+1); len(c.Timeline) != want {
				t.Fatalf("tick %d %s: %d states, want %d", tick, c.Name, len(c.Timeline), want)
			}
			for i, st := range c.Timeline {
				if want := stateAt(r, tick-len(c.Timeline)+1+i); st != want {
					t.Fatalf("tick %d %s state %d = %q, want %q", tick, c.Name, i, st, want)
				}
			}
		}
	}
	// Two fine snapshots 5 s apart overlap in one buffer: the newer's window starts in
	// the older's (at most 5 states in; sooner where the states did not change).
	a, b := kept[len(kept)-2], kept[len(kept)-1]
	for r := range rows {
		ta, tb := a.Containers[r].Timeline, b.Containers[r].Timeline
		if !slices.ContainsFunc([]int{0, 1, 2, 3, 4, 5}, func(k int) bool { return &tb[0] == &ta[k] }) {
			t.Errorf("%s: successive restored timelines do not share their storage", rows[r])
		}
	}
	// 225 snapshots × 6 rows × 60 states would be about 1.3 MB as copies (and one
	// allocation per string); shared, the hour's restored store stays far below.
	live := int64(after) - int64(before)
	t.Logf("restored store: %d B live", live)
	if live > 700<<10 {
		t.Errorf("the restored store holds %d B live, want under 700 KiB", live)
	}
}
