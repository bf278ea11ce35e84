package statefile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
)

// fullStore is a history holding an hour of the populated golden snapshot at 1 s, the
// most a state file holds.
func fullStore(b *testing.B) (*history.Store, *snapshot.Snapshot) {
	raw, err := os.ReadFile(filepath.Join("..", "wire", "testdata", "populated.golden.json"))
	if err != nil {
		b.Fatal(err)
	}
	var p wire.PerformanceData
	if err := json.Unmarshal(raw, &p); err != nil {
		b.Fatal(err)
	}
	store := history.NewStore()
	var last *snapshot.Snapshot
	for i := range 3600 {
		s := p.Snapshot()
		s.Timestamp = snapshot.Time{Time: t0.Add(time.Duration(i) * time.Second)}
		s.AlertLog = make([]snapshot.AlertLogEntry, 50)
		store.Process(s)
		last = s
	}
	return store, last
}

// BenchmarkSave is one periodic save (once a minute) of a full state.
func BenchmarkSave(b *testing.B) {
	store, last := fullStore(b)
	k, _, err := Open(b.TempDir(), store, nil, clock.NewFake(t0))
	if err != nil {
		b.Fatal(err)
	}
	k.latest = fixedLatest{last}
	b.ReportAllocs()
	for b.Loop() {
		if err := k.Save(); err != nil {
			b.Fatal(err)
		}
	}
	fi, _ := os.Stat(k.Path())
	b.ReportMetric(float64(fi.Size()), "file_bytes")
}

// BenchmarkRestore is reading a full state back at start.
func BenchmarkRestore(b *testing.B) {
	store, last := fullStore(b)
	dir := b.TempDir()
	k, _, _ := Open(dir, store, nil, clock.NewFake(t0))
	k.latest = fixedLatest{last}
	if err := k.Save(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, res, err := Open(dir, history.NewStore(), nil, clock.NewFake(t0)); err != nil || res.Problem != nil {
			b.Fatal(err, res.Problem)
		}
	}
}
