package statefile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixedLatest struct{ s *snapshot.Snapshot }

func (f fixedLatest) Latest() *snapshot.Snapshot { return f.s }

func TestSaveAndRestoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	store := history.NewStore()
	var last *snapshot.Snapshot
	for i := range 30 {
		s := snapshot.New(t0.Add(time.Duration(i) * 5 * time.Second))
		s.Hostname = "box"
		s.Host.CPUPercent = snapshot.F(float64(i))
		s.AlertLog = []snapshot.AlertLogEntry{{Severity: "critical", Metric: snapshot.MetricHostDisk, Object: "/", Raised: snapshot.Time{Time: t0}, Peak: 95}}
		store.Process(s)
		last = s
	}
	sn := alerts.NewSnoozeStore()
	sn.Snooze(snapshot.MetricHostDisk, "/", t0, 24*time.Hour)
	clk := clock.NewFake(t0.Add(150 * time.Second))
	k, res, err := Open(dir, store, sn, clk)
	if err != nil || res.Problem != nil || res.Log != nil {
		t.Fatalf("open of an empty dir: %v %+v", err, res)
	}
	k.Start(fixedLatest{last}, nil)
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}

	store2 := history.NewStore()
	sn2 := alerts.NewSnoozeStore()
	_, res, err = Open(dir, store2, sn2, clk)
	if err != nil || res.Problem != nil {
		t.Fatalf("reopen: %v %+v", err, res)
	}
	if len(res.Log) != 1 || res.Log[0].Metric != snapshot.MetricHostDisk || !res.Stopped.Equal(clk.Now()) {
		t.Errorf("restored log %+v stopped %s", res.Log, res.Stopped)
	}
	if !sn2.Silenced(snapshot.MetricHostDisk, "/", t0.Add(time.Hour)) {
		t.Error("the snooze did not survive")
	}
	// The history reads the same once a new snapshot aligns it.
	next := snapshot.New(last.Timestamp.Add(5 * time.Second))
	store.Process(next)
	store2.Process(next)
	key := store.Keys()[0]
	a, b := store.Series(key, history.Range5m), store2.Series(key, history.Range5m)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("%s point %d: %+v after the restore, want %+v", key, i, b[i], a[i])
		}
	}
	if got, want := len(store2.Snapshots(history.Range5m)), len(store.Snapshots(history.Range5m)); got != want || got < 30 {
		t.Errorf("%d snapshots after the restore, want %d", got, want)
	}
}

func TestUnreadableFilesAreSetAside(t *testing.T) {
	for name, body := range map[string][]byte{
		"foreign": []byte(`{"some": "json"}`),
		"corrupt": append([]byte(magic), 0xff, 0x00, 0x13, 0x37),
		"empty":   {},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, body, 0o600); err != nil {
				t.Fatal(err)
			}
			k, res, err := Open(dir, history.NewStore(), nil, clock.NewFake(t0))
			if err != nil || k == nil {
				t.Fatalf("open: %v", err)
			}
			if !errors.Is(res.Problem, ErrUnreadable) || res.SetAside == "" {
				t.Fatalf("problem %v, set aside %q", res.Problem, res.SetAside)
			}
			if got, _ := os.ReadFile(res.SetAside); string(got) != string(body) {
				t.Errorf("the set-aside file lost its content")
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("the bad file is still in place: %v", err)
			}
		})
	}
}

func TestWriteIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", FileName)
	if err := Write(path, &State{Saved: t0, Host: "one"}); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, &State{Saved: t0, Host: "two"}); err != nil {
		t.Fatal(err)
	}
	st, err := Read(path)
	if err != nil || st.Host != "two" {
		t.Fatalf("read %+v %v", st, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
		t.Errorf("state directory mode %v, want 0700", fi.Mode().Perm())
	}
}

func TestOnlyOneProcessOwnsTheDirectory(t *testing.T) {
	dir := t.TempDir()
	l, err := TryLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TryLock(dir); !errors.Is(err, ErrLocked) {
		t.Errorf("a second lock: %v, want ErrLocked", err)
	}
	l.Release()
	l2, err := TryLock(dir)
	if err != nil {
		t.Errorf("the lock was not released: %v", err)
	}
	l2.Release()
}

func TestSnoozeRequestsAreAppliedOnceByTheOwner(t *testing.T) {
	dir := t.TempDir()
	at := t0
	for _, r := range []Request{
		{Action: ActionSnooze, Metric: snapshot.MetricHostDisk, Object: alerts.AnyObject, For: time.Hour, At: at},
		{Action: ActionAck, Metric: snapshot.MetricGPUTemperature, Object: "gpu0", At: at.Add(time.Second)},
	} {
		if err := Submit(dir, r); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, RequestsDir, "junk.json"), []byte("{"), 0o600)
	if p, _ := Pending(dir); len(p) != 2 || p[0].Action != ActionSnooze {
		t.Fatalf("pending %+v", p)
	}
	sn := alerts.NewSnoozeStore()
	if _, _, err := Open(dir, history.NewStore(), sn, clock.NewFake(t0)); err != nil {
		t.Fatal(err)
	}
	if !sn.Silenced(snapshot.MetricHostDisk, "/recordings", t0.Add(30*time.Minute)) || sn.Silenced(snapshot.MetricHostDisk, "/", t0.Add(2*time.Hour)) {
		t.Error("the any-object snooze does not cover every mount for its hour")
	}
	if !sn.Silenced(snapshot.MetricGPUTemperature, "gpu0", t0.Add(48*time.Hour)) || sn.Silenced(snapshot.MetricGPUTemperature, "gpu1", t0) {
		t.Error("the acknowledgement is not for gpu0 alone")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, RequestsDir, "*")); len(left) != 0 {
		t.Errorf("requests left after they were applied: %v", left)
	}
}

// TestRequestsOfOneInstantAreAllKept: two requests made at the same instant by one
// process (the dashboard's u ends an alert's snooze and its rule's) are both applied.
func TestRequestsOfOneInstantAreAllKeptInOrder(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, obj := range []string{"/", alerts.AnyObject} {
		if err := Submit(dir, Request{Action: ActionOff, Metric: snapshot.MetricHostDisk, Object: obj, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Pending(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Object != "/" || got[1].Object != alerts.AnyObject {
		t.Fatalf("pending = %+v, want both requests in the order they were submitted", got)
	}
}

// TestTheOwnerAppliesRequestsInTheTick: the keeper, as a stage of the engine, applies a
// request spooled while it runs when the next tick starts once RequestPoll has passed,
// not sooner.
func TestTheOwnerAppliesRequestsInTheTick(t *testing.T) {
	dir := t.TempDir()
	sn := alerts.NewSnoozeStore()
	clk := clock.NewFake(t0)
	k, _, err := Open(dir, history.NewStore(), sn, clk)
	if err != nil {
		t.Fatal(err)
	}
	k.TickStarted() // the first tick looks at once
	r := Request{Action: ActionSnooze, Metric: snapshot.MetricHostDisk, Object: "/", For: time.Hour, At: t0}
	if err := Submit(dir, r); err != nil {
		t.Fatal(err)
	}
	clk.Advance(RequestPoll / 2)
	k.TickStarted()
	if sn.Silenced(snapshot.MetricHostDisk, "/", clk.Now()) {
		t.Fatal("the request was applied before RequestPoll had passed")
	}
	clk.Advance(RequestPoll / 2)
	k.TickStarted()
	if !sn.Silenced(snapshot.MetricHostDisk, "/", clk.Now()) {
		t.Fatal("the request was not applied at the first tick after RequestPoll")
	}
	if p, _ := Pending(dir); len(p) != 0 {
		t.Fatalf("the applied request is still spooled: %+v", p)
	}
}

// A spool read empty is looked at again when a request moves its modification time, and
// also when the time did not move but is too recent to trust (coarse timestamps).
func TestTheOwnerSeesRequestsAfterAnEmptySpool(t *testing.T) {
	dir := t.TempDir()
	spool := filepath.Join(dir, RequestsDir)
	if err := os.MkdirAll(spool, 0o700); err != nil {
		t.Fatal(err)
	}
	sn := alerts.NewSnoozeStore()
	clk := clock.NewFake(t0)
	k, _, err := Open(dir, history.NewStore(), sn, clk)
	if err != nil {
		t.Fatal(err)
	}
	poll := func() {
		clk.Advance(RequestPoll)
		k.TickStarted()
	}
	submit := func(metric snapshot.AlertMetric) {
		t.Helper()
		if err := Submit(dir, Request{Action: ActionSnooze, Metric: metric, Object: "/", For: time.Hour, At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	// Settled and empty.
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(spool, old, old); err != nil {
		t.Fatal(err)
	}
	k.TickStarted()
	submit(snapshot.MetricHostDisk)
	poll()
	if !sn.Silenced(snapshot.MetricHostDisk, "/", clk.Now()) {
		t.Fatal("a request renamed into a settled empty spool was not applied")
	}
	// Read empty at a recent time, then a request whose arrival leaves the time as it was.
	poll()
	fi, err := os.Stat(spool)
	if err != nil {
		t.Fatal(err)
	}
	submit(snapshot.MetricHostRAM)
	if err := os.Chtimes(spool, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	poll()
	if !sn.Silenced(snapshot.MetricHostRAM, "/", clk.Now()) {
		t.Fatal("a request that left a recent modification time unchanged was not applied")
	}
}

// TestAKnownZeroSurvivesARestart: a kept snapshot's known 0 (host CPU 0 %, no deferred
// LLM requests) reads back as 0 after the state file, not as unknown, although gob
// drops a zero behind a pointer; an unknown stays unknown.
// A snooze applied from the spool is saved at once, not at the next periodic save, so
// `hsi-top snooze list` (which reads the file) and a restart after a crash both have it.
func TestAnAppliedSnoozeIsSavedAtOnce(t *testing.T) {
	dir := t.TempDir()
	sn := alerts.NewSnoozeStore()
	clk := clock.NewFake(t0) // never advanced: no periodic save comes
	k, _, err := Open(dir, history.NewStore(), sn, clk)
	if err != nil {
		t.Fatal(err)
	}
	k.Start(nil, nil)
	defer k.Close()
	r := Request{Action: ActionSnooze, Metric: snapshot.MetricHostDisk, Object: "/", For: time.Hour, At: t0}
	if err := Submit(dir, r); err != nil {
		t.Fatal(err)
	}
	k.TickStarted()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := Read(k.Path())
		if err == nil && st != nil && len(st.Snoozes) == 1 && st.Snoozes[0].Metric == snapshot.MetricHostDisk {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s after the snooze was applied the file holds %+v (%v)", st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAKnownZeroSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	s := snapshot.New(t0)
	s.Host.CPUPercent = snapshot.F(0)
	s.AIModels.Nemotron.RequestsDeferred = snapshot.F(0)
	s.Host.RAMPercent = nil
	store := history.NewStore()
	store.Process(s)
	if err := Write(filepath.Join(dir, FileName), &State{Saved: t0, History: store.Save()}); err != nil {
		t.Fatal(err)
	}
	st, err := Read(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	back := history.NewStore()
	if err := back.Restore(st.History); err != nil {
		t.Fatal(err)
	}
	got := back.Save().Snapshots
	if len(got) != 1 {
		t.Fatalf("%d kept snapshots read back, want 1", len(got))
	}
	if v := got[0].Host.CPUPercent; v == nil || *v != 0 {
		t.Errorf("host CPU 0 %% read back as %v, want 0", v)
	}
	if v := got[0].AIModels.Nemotron.RequestsDeferred; v == nil || *v != 0 {
		t.Errorf("0 deferred requests read back as %v, want 0", v)
	}
	if got[0].Host.RAMPercent != nil {
		t.Errorf("an unknown RAM %% read back as %v", *got[0].Host.RAMPercent)
	}
	// Saved again after the restart, the zeros are still known.
	if again := back.Save(); len(again.Zeros) != 1 || len(again.Zeros[0]) == 0 {
		t.Errorf("the restored snapshot's zeros were not kept for the next save: %v", again.Zeros)
	}
}
