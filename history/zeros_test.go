package history

import (
	"bytes"
	"encoding/gob"
	"reflect"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// TestZeroPathsSurviveGob: zeros behind pointers in nested structs, slices and map
// values come back after a gob round trip once restoreZeros has put them back; values
// that were nil stay nil and other values are untouched.
func TestZeroPathsSurviveGob(t *testing.T) {
	s := snapshot.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	s.Host.CPUPercent = snapshot.F(0)
	s.Host.RAMPercent = snapshot.F(42)
	s.GPUs = []snapshot.GPU{{Index: 0, Name: "A"}, {Index: 1, Name: "B"}}
	s.GPUs[1].Utilization = snapshot.F(0)
	s.Sources = []snapshot.SourceStatus{{Source: "redis", OK: true, AgeSeconds: snapshot.F(0)}}
	paths := knownZeros(s)
	if len(paths) < 3 {
		t.Fatalf("zero paths %v: want at least the host CPU, GPU 1's utilisation and redis's age", paths)
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(s); err != nil {
		t.Fatal(err)
	}
	var back snapshot.Snapshot
	if err := gob.NewDecoder(&b).Decode(&back); err != nil {
		t.Fatal(err)
	}
	if back.Host.CPUPercent != nil {
		t.Log("gob kept a zero behind a pointer; the test still checks the restore")
	}
	restoreZeros(&back, paths)
	if v := back.Host.CPUPercent; v == nil || *v != 0 {
		t.Errorf("host CPU = %v, want 0", v)
	}
	if v := back.Host.RAMPercent; v == nil || *v != 42 {
		t.Errorf("host RAM = %v, want 42", v)
	}
	if len(back.GPUs) != 2 || back.GPUs[1].Utilization == nil || *back.GPUs[1].Utilization != 0 || back.GPUs[0].Utilization != nil {
		t.Errorf("GPU utilisation = %+v, want GPU 1 at 0 and GPU 0 unknown", back.GPUs)
	}
	if len(back.Sources) != 1 || back.Sources[0].AgeSeconds == nil || *back.Sources[0].AgeSeconds != 0 {
		t.Errorf("redis's age = %+v, want 0", back.Sources)
	}
	// A path that leads nowhere in the decoded snapshot is skipped, not a panic.
	restoreZeros(&back, []zeroPath{{"FGPUs", "I7", "FUtilization"}, {"FNoSuchField"}, {"FSources", "Kpostgres", "FAgeSeconds"}, {"FHost", "Ixyz"}})
}

// withMap is a structure with map values holding pointers, which the snapshot does not
// have today: the walk and the restore handle them too.
type withMap struct {
	M map[string]struct{ P, Q *float64 }
}

func TestZeroPathsThroughMaps(t *testing.T) {
	zero, one := 0.0, 1.0
	v := withMap{M: map[string]struct{ P, Q *float64 }{"a.b]c": {P: &zero, Q: &one}}}
	var paths []zeroPath
	walkZeros(reflect.ValueOf(&v).Elem(), nil, &paths)
	if len(paths) != 1 || len(paths[0]) != 3 || paths[0][1] != "Ka.b]c" {
		t.Fatalf("paths = %q, want the one to M[a.b]c].P", paths)
	}
	back := withMap{M: map[string]struct{ P, Q *float64 }{"a.b]c": {Q: &one}}}
	restoreZero(reflect.ValueOf(&back).Elem(), paths[0])
	if e := back.M["a.b]c"]; e.P == nil || *e.P != 0 || e.Q == nil || *e.Q != 1 {
		t.Errorf("restored map value = %+v", e)
	}
}

func BenchmarkKnownZeros(b *testing.B) {
	s := snapshot.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	s.GPUs = make([]snapshot.GPU, 2)
	b.ReportAllocs()
	for b.Loop() {
		knownZeros(s)
	}
}
