package history

import (
	"math"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// samplesEvery returns one sample every step from start up to (not including) end, with
// value v(i).
func samplesEvery(start, end time.Time, step time.Duration, v func(i int) float64) []Sample {
	var out []Sample
	for i, ts := 0, start; ts.Before(end); i, ts = i+1, ts.Add(step) {
		out = append(out, Sample{Time: ts, Value: v(i)})
	}
	return out
}

// pointAt is the point of a series whose bucket starts at ts, or a zero Point.
func pointAt(pts []Point, ts time.Time) Point {
	for _, p := range pts {
		if p.Start.Equal(ts) {
			return p
		}
	}
	return Point{}
}

func TestFillEmptyStoreEveryRange(t *testing.T) {
	s := NewStore()
	start := t0.Add(-60 * time.Minute)
	// Values 0, 1, 2, … every 5 s for the hour before t0.
	n := s.Fill(KeyDetectP95, samplesEvery(start, t0, 5*time.Second, func(i int) float64 { return float64(i) }), t0)
	if n != 59+59+59 {
		t.Fatalf("filled %d buckets, want 59 per range (the bucket holding t0 is the live ticks')", n)
	}
	s.Process(sparse(t0, nil)) // the first live tick anchors the windows at t0
	cases := []struct {
		r             Range
		start         time.Time
		min, avg, max float64
		count         int
	}{
		{Range5m, t0.Add(-5 * time.Second), 719, 719, 719, 1},
		{Range15m, t0.Add(-15 * time.Second), 717, 718, 719, 3},
		{Range60m, t0.Add(-60 * time.Second), 708, 713.5, 719, 12},
		{Range60m, t0.Add(-59 * time.Minute), 12, 17.5, 23, 12},
	}
	for _, c := range cases {
		p := pointAt(s.Series(KeyDetectP95, c.r), c.start)
		if p.Count != c.count || p.Min != c.min || p.Avg != c.avg || p.Max != c.max {
			t.Errorf("%s bucket at %s = %+v, want min %v avg %v max %v count %d", c.r, c.start.Format(time.TimeOnly), p, c.min, c.avg, c.max, c.count)
		}
	}
	for _, r := range Ranges {
		if last := s.Series(KeyDetectP95, r)[Points-1]; last.Count != 0 {
			t.Errorf("%s: the bucket holding t0 was filled: %+v", r, last)
		}
	}
	if got := s.Keys(); len(got) != 1 || got[0] != KeyDetectP95 {
		t.Errorf("keys = %v", got)
	}
}

// TestFillKeepsWhatTheStoreHas: a bucket restored from the state file keeps its
// samples, and only the empty ones are filled.
func TestFillKeepsWhatTheStoreHas(t *testing.T) {
	s := NewStore()
	restored := t0.Add(-10 * time.Minute)
	if err := s.Restore(Saved{Series: []SavedSeries{{Key: KeyHostCPU, Buckets: [numRanges][]SavedBucket{
		2: {{Slot: restored.Unix() / 60, Min: 90, Max: 99, Sum: 94.5 * 2, Count: 2}},
	}}}}); err != nil {
		t.Fatal(err)
	}
	n := s.Fill(KeyHostCPU, samplesEvery(t0.Add(-20*time.Minute), t0, 15*time.Second, func(int) float64 { return 10 }), t0)
	// 60m: 20 buckets but one restored; 15m: the last 59; 5m: one in three of the last 59.
	if n != 19+59+19 {
		t.Fatalf("filled %d buckets, want %d", n, 19+59+19)
	}
	s.Process(sparse(t0, nil))
	pts := s.Series(KeyHostCPU, Range60m)
	if p := pointAt(pts, restored); p.Max != 99 || p.Count != 2 {
		t.Errorf("the restored bucket = %+v, want the state file's max 99 count 2", p)
	}
	if p := pointAt(pts, restored.Add(time.Minute)); p.Avg != 10 || p.Count != 4 {
		t.Errorf("a filled bucket = %+v, want avg 10 of 4 samples", p)
	}
	if p := pointAt(pts, t0.Add(-21*time.Minute)); p.Count != 0 {
		t.Errorf("a bucket Prometheus did not have = %+v, want a gap", p)
	}
	// A second fill changes nothing: every bucket it could fill has samples now.
	if n := s.Fill(KeyHostCPU, samplesEvery(t0.Add(-20*time.Minute), t0, 15*time.Second, func(int) float64 { return 50 }), t0); n != 0 {
		t.Errorf("a second fill filled %d buckets", n)
	}
}

// TestFillLiveTicksWin: buckets the live ticks wrote before the fill (it runs in the
// background) are not touched, and samples outside the window or unknown fill nothing.
func TestFillLiveTicksWin(t *testing.T) {
	s := NewStore()
	live := t0.Add(-2 * time.Minute)
	s.Process(sparse(live, snapshot.F(42)))
	samples := []Sample{
		{live, 1}, {live.Add(time.Second), 2}, // the live bucket's time: kept as it is
		{t0.Add(-2 * time.Hour), 3}, // before every window
		{t0.Add(time.Minute), 4},    // after the start-up
		{t0.Add(-30 * time.Second), math.NaN()},
		{t0.Add(-31 * time.Second), math.Inf(1)},
	}
	if n := s.Fill(KeyHostCPU, samples, t0); n != 0 {
		t.Fatalf("filled %d buckets, want none", n)
	}
	if p := pointAt(s.Series(KeyHostCPU, Range5m), live); p.Avg != 42 || p.Count != 1 {
		t.Errorf("the live bucket = %+v", p)
	}
	if n := s.Fill(KeyHostCPU, nil, t0); n != 0 {
		t.Errorf("no samples filled %d", n)
	}
}

func TestFillMaxKeys(t *testing.T) {
	s := NewStore()
	one := []Sample{{t0.Add(-time.Minute), 1}}
	for i := range MaxKeys {
		s.Fill(GPUKey(i, GPUPower), one, t0)
	}
	if n := s.Fill("one.too.many", one, t0); n != 0 || len(s.Keys()) != MaxKeys {
		t.Fatalf("filled %d, keys %d", n, len(s.Keys()))
	}
}
