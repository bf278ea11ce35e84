package record

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// testSnap is the snapshot of tick i: a GPU at i % 100 %, an alert log that grows at
// ticks 3 and 7.
func testSnap(i int) *snapshot.Snapshot {
	s := snapshot.New(t0.Add(time.Duration(i) * 5 * time.Second))
	g := snapshot.GPU{Name: "RTX", Utilization: snapshot.F(float64(i % 100))}
	s.GPUs = []snapshot.GPU{g}
	s.GPU = &s.GPUs[0]
	s.Hostname = "box"
	for _, at := range []int{7, 3} {
		if i >= at {
			s.AlertLog = append(s.AlertLog, snapshot.AlertLogEntry{Severity: snapshot.SeverityWarning, Metric: snapshot.MetricGPUTemperature,
				Message: "GPU hot", Threshold: 80, Raised: snapshot.Time{Time: t0.Add(time.Duration(at) * 5 * time.Second)}, Peak: 85})
		}
	}
	return s
}

func encode(t *testing.T, s *snapshot.Snapshot) string {
	t.Helper()
	b, err := json.Marshal(wire.Performance(s))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeAll(t *testing.T, o Options, from, to int) {
	t.Helper()
	w, err := Create(o)
	if err != nil {
		t.Fatal(err)
	}
	for i := from; i < to; i++ {
		w.Process(testSnap(i))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRecordingReadsBackEverySnapshot(t *testing.T) {
	for _, name := range []string{"rec.ndjson", "rec.ndjson.gz"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			writeAll(t, Options{Path: path}, 0, 6)
			writeAll(t, Options{Path: path}, 6, 10) // a second run appends
			got, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 10 {
				t.Fatalf("read %d snapshots, want 10", len(got))
			}
			for i, s := range got {
				if want := encode(t, testSnap(i)); encode(t, s) != want {
					t.Errorf("snapshot %d:\n got %s\nwant %s", i, encode(t, s), want)
				}
			}
		})
	}
}

func TestAlertLogIsWrittenOnlyWhenItChanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.ndjson")
	writeAll(t, Options{Path: path}, 0, 10)
	raw, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	var withLog []int
	for i, l := range lines {
		if !strings.Contains(l, `"alert_log":null`) {
			withLog = append(withLog, i)
		}
	}
	// The first line (the empty log), then the ticks where an entry was added.
	if want := []int{0, 3, 7}; !slices.Equal(withLog, want) {
		t.Errorf("lines with the alert log: %v, want %v", withLog, want)
	}
}

func TestRotationKeepsTheNewestFilesEachReadableAlone(t *testing.T) {
	for _, name := range []string{"rec.ndjson", "rec.ndjson.gz"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			line := len(encode(t, testSnap(0))) + 1
			max := int64(3 * line)
			if strings.HasSuffix(name, ".gz") {
				max = int64(line / 2)
			}
			writeAll(t, Options{Path: path, MaxBytes: max, Keep: 2}, 0, 40)
			if _, err := os.Stat(RotatedName(path, 3)); !os.IsNotExist(err) {
				t.Errorf("%s kept beyond Keep=2 (err %v)", RotatedName(path, 3), err)
			}
			total := 0
			var last *snapshot.Snapshot
			for _, p := range []string{RotatedName(path, 2), RotatedName(path, 1), path} {
				snaps, err := Read(p)
				if err != nil {
					t.Fatal(err)
				}
				if fi, _ := os.Stat(p); fi.Size() > max+int64(line) {
					t.Errorf("%s is %d bytes, above the cap %d by more than a line", p, fi.Size(), max)
				}
				// Each file starts with the whole alert log.
				if got := len(snaps[0].AlertLog); got != 2 {
					t.Errorf("%s: first snapshot has %d log entries, want 2", p, got)
				}
				total += len(snaps)
				last = snaps[len(snaps)-1]
			}
			if !last.Timestamp.Equal(testSnap(39).Timestamp.Time) || total >= 40 || total < 3 {
				t.Errorf("newest files end at %v with %d snapshots; want tick 39's, fewer than 40", last.Timestamp, total)
			}
		})
	}
}

func TestReadDropsACutOffLastLineAndNamesABadOne(t *testing.T) {
	dir := t.TempDir()
	good := encode(t, testSnap(0)) + "\n" + encode(t, testSnap(1)) + "\n"
	cut := filepath.Join(dir, "cut.ndjson")
	os.WriteFile(cut, []byte(good+encode(t, testSnap(2))[:40]), 0o600)
	snaps, err := Read(cut)
	if err != nil || len(snaps) != 2 {
		t.Fatalf("cut-off file: %d snapshots, %v; want 2, nil", len(snaps), err)
	}
	bad := filepath.Join(dir, "bad.ndjson")
	os.WriteFile(bad, []byte(good+"{\"hello\":1}\n"+good), 0o600)
	if _, err := Read(bad); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("bad middle line: %v, want an error naming line 3", err)
	}
	empty := filepath.Join(dir, "empty.ndjson")
	os.WriteFile(empty, nil, 0o600)
	if _, err := Read(empty); err == nil || !strings.Contains(err.Error(), "no snapshots") {
		t.Errorf("empty file: %v, want 'no snapshots'", err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(good))
	zw.Close()
	named := filepath.Join(dir, "plain-name.ndjson")
	os.WriteFile(named, gz.Bytes(), 0o600)
	if snaps, err := Read(named); err != nil || len(snaps) != 2 {
		t.Errorf("gzip without .gz: %d snapshots, %v; want 2", len(snaps), err)
	}
}

func TestWriteFileReplacesWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "incident.ndjson.gz")
	writeAll(t, Options{Path: path}, 0, 3)
	snaps := []*snapshot.Snapshot{testSnap(10), testSnap(11)}
	if err := WriteFile(path, snaps); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil || len(got) != 2 || encode(t, got[1]) != encode(t, snaps[1]) {
		t.Fatalf("bundle read back as %d snapshots (%v), want the 2 written", len(got), err)
	}
}

// BenchmarkProcess measures one snapshot's line; bytes/op-line is its size on disk.
func BenchmarkProcess(b *testing.B) {
	for _, name := range []string{"rec.ndjson", "rec.ndjson.gz"} {
		b.Run(name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), name)
			w, err := Create(Options{Path: path, MaxBytes: 1 << 40})
			if err != nil {
				b.Fatal(err)
			}
			s := testSnap(10)
			for b.Loop() {
				w.Process(s)
			}
			w.Close()
			fi, _ := os.Stat(path)
			b.ReportMetric(float64(fi.Size())/float64(b.N), "bytes/line")
		})
	}
}

// TestFixtureFrameRoundTrips records the snapshot of the page's recorded
// performance_update (every section filled) and reads it back: what the dashboard reads
// comes back as hsi-top's JSON had it.
func TestFixtureFrameRoundTrips(t *testing.T) {
	var env struct {
		Data wire.PerformanceData `json:"data"`
	}
	if err := json.Unmarshal(testenv.ReadFixture(t, "feed-performance_update.json"), &env); err != nil {
		t.Fatal(err)
	}
	s := env.Data.Snapshot()
	s.Hostname, s.GPUs = "box", []snapshot.GPU{*s.GPU, *s.GPU}
	s.GPUs[1].Index = 1
	path := filepath.Join(t.TempDir(), "fixture.ndjson.gz")
	w, err := Create(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	w.Process(s)
	w.Close()
	got, err := Read(path)
	if err != nil || len(got) != 1 {
		t.Fatalf("%d snapshots, %v", len(got), err)
	}
	if a, b := encode(t, got[0]), encode(t, s); a != b {
		t.Errorf("round trip differs:\n got %s\nwant %s", a, b)
	}
	if g := got[0]; len(g.GPUs) != 2 || g.Host.MemoryTotalBytes == nil || g.AIModels.Detector.Status == "" {
		t.Errorf("lost: %d GPUs, host memory %v, detector %q", len(g.GPUs), g.Host.MemoryTotalBytes, g.AIModels.Detector.Status)
	}
}
