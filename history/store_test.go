package history

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// t0 is a wall-clock instant on a 60 s boundary, so bucket arithmetic in the tests is
// easy to follow.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fullSnapshot returns a snapshot with every charted number known, roughly the size of
// a real one: two GPUs, two mounts, six containers with full timelines, sources.
func fullSnapshot(ts time.Time, v float64) *snapshot.Snapshot {
	s := snapshot.New(ts)
	gpu := func(idx int) snapshot.GPU {
		return snapshot.GPU{
			Name: "NVIDIA RTX A5500", Index: idx, Source: snapshot.ViaNVML,
			Utilization: snapshot.F(v), MemoryUsedBytes: snapshot.U(12 << 30), MemoryTotalBytes: snapshot.U(24 << 30),
			VRAMPercent: snapshot.F(v / 2), Temperature: snapshot.F(60 + v/10), PowerWatts: snapshot.F(200 + v),
			Processes: []snapshot.GPUProcess{{PID: 100, Service: "ai-detector", Type: "compute", UsedBytes: snapshot.U(4 << 30)}, {PID: 200, Service: "ai-llm", Type: "compute", UsedBytes: snapshot.U(8 << 30)}},
			Services:  []snapshot.ServiceVRAM{{Service: "ai-llm", UsedBytes: 8 << 30, Processes: 1}, {Service: "ai-detector", UsedBytes: 4 << 30, Processes: 1}},
		}
	}
	s.GPUs = []snapshot.GPU{gpu(0), gpu(1)}
	s.GPU = &s.GPUs[0]
	s.Host = snapshot.Host{
		CPUPercent: snapshot.F(v), RAMPercent: snapshot.F(40), MemoryUsedBytes: snapshot.U(25 << 30), MemoryTotalBytes: snapshot.U(64 << 30),
		DiskPercent: snapshot.F(55), CPUPerCore: make([]float64, 16), CPUCount: 16, Load: []float64{1, 2, 3},
		NetRxBytesSec: snapshot.F(1e6 + v), NetTxBytesSec: snapshot.F(2e5),
		Mounts: []snapshot.Mount{{Path: "/", Percent: snapshot.F(55)}, {Path: "/recordings", Percent: snapshot.F(71.5)}},
	}
	lat := func(a float64) *snapshot.Latency {
		return &snapshot.Latency{Avg: snapshot.F(a), P95: snapshot.F(a * 2), P99: snapshot.F(a * 3), Samples: snapshot.I(1000), Window: "5m", Source: snapshot.ViaRedis}
	}
	s.Inference.DetectorLatency = lat(40 + v)
	s.Inference.LLMLatency = lat(4000 + v)
	s.Inference.PipelineLatency = lat(5000 + v)
	s.Inference.Throughput = &snapshot.Throughput{ImagesPerMin: snapshot.F(120), EventsPerMin: snapshot.F(3), Source: snapshot.ViaSQL}
	s.Inference.Queues = &snapshot.Queues{Detection: snapshot.I(2), Analysis: snapshot.I(1), Source: snapshot.ViaRedis}
	s.Databases.PostgreSQL = snapshot.PostgreSQL{Status: snapshot.StatusHealthy, ConnectionsActive: snapshot.I(5), ConnectionsMax: snapshot.I(100), CacheHitRatio: snapshot.F(99.2), TransactionsPerMin: snapshot.F(600)}
	s.Databases.Redis = snapshot.Redis{Status: snapshot.StatusHealthy, MemoryUsedBytes: snapshot.I(42.5 * snapshot.MiB), HitRatio: snapshot.F(97), ConnectedClients: snapshot.I(8)}
	s.Nemotron = snapshot.LLM{Status: snapshot.StatusHealthy, SlotsActive: snapshot.I(1), SlotsTotal: snapshot.I(2), TokensPerSecond: snapshot.F(35)}
	s.AIModels.Nemotron = s.Nemotron
	for _, name := range []string{"backend", "frontend", "postgres", "redis", "ai-detector", "ai-llm"} {
		tl := make([]string, 60)
		for i := range tl {
			tl[i] = snapshot.HealthHealthy
		}
		s.Containers = append(s.Containers, snapshot.Container{Name: name, Status: snapshot.ContainerRunning, Health: snapshot.HealthHealthy, State: snapshot.HealthHealthy, Probe: "http://localhost:8000/health", Timeline: tl})
	}
	for _, name := range []string{"host", "nvml", "postgres", "redis", "backend", "detector", "llm", "prometheus"} {
		s.Sources = append(s.Sources, snapshot.SourceStatus{Source: snapshot.SourceName(name), OK: true, LastSuccess: snapshot.At(ts), AgeSeconds: snapshot.F(0), DurationMS: 3.2, Via: name})
	}
	return s
}

// sparse returns a snapshot with only host CPU known (or unknown when v is nil).
func sparse(ts time.Time, v *float64) *snapshot.Snapshot {
	s := snapshot.New(ts)
	s.Host.CPUPercent = v
	return s
}

func TestRange(t *testing.T) {
	for _, tc := range []struct {
		r    Range
		name string
		res  time.Duration
	}{{Range5m, "5m", 5 * time.Second}, {Range15m, "15m", 15 * time.Second}, {Range60m, "60m", time.Minute}} {
		if tc.r.String() != tc.name || tc.r.Resolution() != tc.res || tc.r.Span() != Points*tc.res {
			t.Errorf("%d: got %q %s %s", tc.r, tc.r.String(), tc.r.Resolution(), tc.r.Span())
		}
		got, err := ParseRange(tc.name)
		if err != nil || got != tc.r {
			t.Errorf("ParseRange(%q) = %v, %v", tc.name, got, err)
		}
	}
	if _, err := ParseRange("1h"); err == nil || err.Error() != `history range "1h": must be one of 5m, 15m, 60m` {
		t.Errorf("ParseRange(1h) error = %v", err)
	}
}

func TestSeriesBucketsMinAvgMax(t *testing.T) {
	s := NewStore()
	// 1 s interval: values 0..14 over 15 s starting on a 60 s boundary.
	for i := range 15 {
		s.Process(sparse(t0.Add(time.Duration(i)*time.Second), snapshot.F(float64(i))))
	}
	pts := s.Series(KeyHostCPU, Range5m)
	if len(pts) != Points {
		t.Fatalf("len = %d", len(pts))
	}
	want := []Point{
		{Start: t0, Min: 0, Avg: 2, Max: 4, Count: 5},
		{Start: t0.Add(5 * time.Second), Min: 5, Avg: 7, Max: 9, Count: 5},
		{Start: t0.Add(10 * time.Second), Min: 10, Avg: 12, Max: 14, Count: 5},
	}
	if got := pts[Points-3:]; !slices.Equal(got, want) {
		t.Errorf("last 5m buckets = %+v, want %+v", got, want)
	}
	for i, p := range pts[:Points-3] {
		if p.Count != 0 {
			t.Errorf("bucket %d before the first sample has %d samples", i, p.Count)
		}
		if wantStart := t0.Add(time.Duration(i-Points+3) * 5 * time.Second); !p.Start.Equal(wantStart) {
			t.Errorf("bucket %d starts %s, want %s", i, p.Start, wantStart)
		}
	}
	p15 := s.Series(KeyHostCPU, Range15m)
	if got, want := p15[Points-1], (Point{Start: t0, Min: 0, Avg: 7, Max: 14, Count: 15}); got != want {
		t.Errorf("15m last bucket = %+v, want %+v", got, want)
	}
	p60 := s.Series(KeyHostCPU, Range60m)
	if got, want := p60[Points-1], (Point{Start: t0, Min: 0, Avg: 7, Max: 14, Count: 15}); got != want {
		t.Errorf("60m last bucket = %+v, want %+v", got, want)
	}
}

func TestSpikeSurvivesCoarseRange(t *testing.T) {
	s := NewStore()
	for i := range 60 { // one minute at 1 s, one spike
		v := 10.0
		if i == 37 {
			v = 99
		}
		s.Process(sparse(t0.Add(time.Duration(i)*time.Second), snapshot.F(v)))
	}
	p := s.Series(KeyHostCPU, Range60m)[Points-1]
	if p.Max != 99 || p.Min != 10 || p.Count != 60 {
		t.Errorf("60m bucket = %+v, want the spike kept as max", p)
	}
	if math.Abs(p.Avg-(59*10+99)/60.0) > 1e-9 {
		t.Errorf("avg = %v", p.Avg)
	}
}

func TestUnknownIsAGapNotZero(t *testing.T) {
	s := NewStore()
	// Bucket 0: known 50 then unknown; bucket 1: unknown only; bucket 2: NaN then 20.
	s.Process(sparse(t0, snapshot.F(50)))
	s.Process(sparse(t0.Add(2*time.Second), nil))
	s.Process(sparse(t0.Add(5*time.Second), nil))
	nan := math.NaN()
	s.Process(sparse(t0.Add(10*time.Second), &nan))
	s.Process(sparse(t0.Add(12*time.Second), snapshot.F(20)))
	pts := s.Series(KeyHostCPU, Range5m)[Points-3:]
	want := []Point{
		{Start: t0, Min: 50, Avg: 50, Max: 50, Count: 1},
		{Start: t0.Add(5 * time.Second)},
		{Start: t0.Add(10 * time.Second), Min: 20, Avg: 20, Max: 20, Count: 1},
	}
	if !slices.Equal(pts, want) {
		t.Errorf("got %+v, want %+v", pts, want)
	}
	// A key never known is all gaps, anchored like the others.
	for _, p := range s.Series(KeyRedisMemoryMB, Range5m) {
		if p.Count != 0 {
			t.Fatalf("unknown key has a sample: %+v", p)
		}
	}
	if slices.Contains(s.Keys(), KeyRedisMemoryMB) {
		t.Error("a key with only unknown samples is listed")
	}
}

func TestSeriesBeforeAnySnapshot(t *testing.T) {
	s := NewStore()
	pts := s.Series(KeyHostCPU, Range60m)
	if len(pts) != Points {
		t.Fatalf("len = %d", len(pts))
	}
	for _, p := range pts {
		if p != (Point{}) {
			t.Fatalf("point %+v is not an empty gap", p)
		}
	}
	if s.Latest() != nil || len(s.Snapshots(Range5m)) != 0 || len(s.Keys()) != 0 {
		t.Error("empty store returned data")
	}
	s.Process(nil) // must not panic
}

// TestAnyInterval feeds two hours at each interval from 1 s to 60 s and checks that every
// range has Points aligned buckets whose counts add up to the samples in its span.
func TestAnyInterval(t *testing.T) {
	for _, interval := range []time.Duration{1, 2, 3, 5, 7, 10, 13, 15, 30, 45, 60} {
		interval *= time.Second
		t.Run(interval.String(), func(t *testing.T) {
			s := NewStore()
			start := t0.Add(1300 * time.Millisecond) // not on a boundary
			var stamps []time.Time
			for ts := start; ts.Before(start.Add(2 * time.Hour)); ts = ts.Add(interval) {
				s.Process(sparse(ts, snapshot.F(float64(ts.Unix()%97))))
				stamps = append(stamps, ts)
			}
			last := stamps[len(stamps)-1]
			for _, r := range Ranges {
				pts := s.Series(KeyHostCPU, r)
				if len(pts) != Points {
					t.Fatalf("%s: %d points", r, len(pts))
				}
				windowStart := pts[0].Start
				if !pts[Points-1].Start.Equal(last.Truncate(r.Resolution())) {
					t.Errorf("%s: last bucket starts %s, latest sample %s", r, pts[Points-1].Start, last)
				}
				total := 0
				for i, p := range pts {
					if p.Start.Unix()%int64(r.Resolution()/time.Second) != 0 {
						t.Errorf("%s: bucket %d starts %s, not a wall-clock multiple", r, i, p.Start)
					}
					if i > 0 && p.Start.Sub(pts[i-1].Start) != r.Resolution() {
						t.Errorf("%s: buckets %d and %d are not adjacent", r, i-1, i)
					}
					total += p.Count
				}
				want := 0
				for _, ts := range stamps {
					if !ts.Before(windowStart) {
						want++
					}
				}
				if total != want {
					t.Errorf("%s: %d samples in the window, want %d", r, total, want)
				}
			}
		})
	}
}

func TestTwoInstancesAgree(t *testing.T) {
	a, b := NewStore(), NewStore()
	// a samples at :00.3, :05.3, …; b at :02.9, :07.9, … and started later.
	for i := range 300 {
		a.Process(sparse(t0.Add(300*time.Millisecond+time.Duration(i)*5*time.Second), snapshot.F(float64(i))))
	}
	for i := 100; i < 300; i++ {
		b.Process(sparse(t0.Add(2900*time.Millisecond+time.Duration(i)*5*time.Second), snapshot.F(float64(i))))
	}
	for _, r := range Ranges {
		pa, pb := a.Series(KeyHostCPU, r), b.Series(KeyHostCPU, r)
		for i := range pa {
			if !pa[i].Start.Equal(pb[i].Start) {
				t.Fatalf("%s bucket %d: %s vs %s", r, i, pa[i].Start, pb[i].Start)
			}
		}
	}
}

func TestWindowMovesPastOldBuckets(t *testing.T) {
	s := NewStore()
	for i := range 60 {
		s.Process(sparse(t0.Add(time.Duration(i)*5*time.Second), snapshot.F(1)))
	}
	// Ten quiet minutes, then one sample: the 5m window holds only it.
	s.Process(sparse(t0.Add(15*time.Minute), snapshot.F(2)))
	pts := s.Series(KeyHostCPU, Range5m)
	for i, p := range pts[:Points-1] {
		if p.Count != 0 {
			t.Fatalf("bucket %d still holds an old sample: %+v", i, p)
		}
	}
	if p := pts[Points-1]; p.Count != 1 || p.Max != 2 {
		t.Errorf("last = %+v", p)
	}
	// A late, out-of-window sample changes nothing.
	s.Process(sparse(t0.Add(time.Second), snapshot.F(50)))
	if got := s.Series(KeyHostCPU, Range5m); !slices.Equal(got, pts) {
		t.Error("an out-of-window sample changed the 5m series")
	}
	if !s.Latest().Timestamp.Equal(t0.Add(15 * time.Minute)) {
		t.Error("an older snapshot replaced Latest")
	}
}

func TestKeys(t *testing.T) {
	s := NewStore()
	s.Process(fullSnapshot(t0, 10))
	want := []string{
		"contention", // issue 14: the LLM's slots are known
		"gpu.0.power", "gpu.0.temperature", "gpu.0.utilization", "gpu.0.vram_percent",
		"gpu.1.power", "gpu.1.temperature", "gpu.1.utilization", "gpu.1.vram_percent",
		"host.cpu", "host.ram",
		"inference.analyze.p95", "inference.detect.p95",
		"llm.slots_busy", "llm.tokens_per_sec",
		"pg.connections_active",
		"redis.memory_mb",
		"throughput.images",
	}
	if got := s.Keys(); !slices.Equal(got, want) {
		t.Errorf("Keys() =\n%q\nwant\n%q", got, want)
	}
	checks := map[string]float64{
		GPUKey(1, GPUPower): 210, GPUKey(0, GPUVRAMPercent): 5,
		KeyDetectP95: 100, KeyImagesPerMin: 120,
		KeyPGConnectionsActive: 5, KeyRedisMemoryMB: 42.5,
		KeyLLMTokensPerSec: 35, KeyLLMSlotsBusy: 1,
	}
	for key, v := range checks {
		if p := s.Series(key, Range5m)[Points-1]; p.Count != 1 || p.Avg != v {
			t.Errorf("%s = %+v, want %v", key, p, v)
		}
	}
}

func TestPrimaryGPUFallback(t *testing.T) {
	s := NewStore()
	snap := snapshot.New(t0)
	snap.GPU = &snapshot.GPU{Name: "x", Index: 3, Utilization: snapshot.F(77)}
	s.Process(snap)
	if p := s.Series(GPUKey(3, GPUUtilization), Range5m)[Points-1]; p.Avg != 77 {
		t.Errorf("primary GPU not charted: %+v", p)
	}
}

func TestMaxKeysBound(t *testing.T) {
	s := NewStore()
	for i := range 2 * MaxKeys {
		snap := snapshot.New(t0.Add(time.Duration(i) * time.Second))
		snap.GPUs = []snapshot.GPU{{Name: "g", Index: i, Utilization: snapshot.F(1)}}
		s.Process(snap)
	}
	if n := len(s.Keys()); n != MaxKeys {
		t.Errorf("%d keys, want the bound %d", n, MaxKeys)
	}
}

func TestSnapshots(t *testing.T) {
	s := NewStore()
	start := t0.Add(-2 * time.Hour)
	var last time.Time
	for ts := start; !ts.After(t0.Add(4 * time.Second)); ts = ts.Add(time.Second) {
		s.Process(sparse(ts, snapshot.F(1)))
		last = ts
	}
	if !s.Latest().Timestamp.Equal(last) {
		t.Fatalf("Latest = %s, want %s", s.Latest().Timestamp, last)
	}
	for _, r := range Ranges {
		snaps := s.Snapshots(r)
		if len(snaps) != Points {
			t.Fatalf("%s: %d snapshots, want %d", r, len(snaps), Points)
		}
		res := r.Resolution()
		// The first snapshot of each bucket, the latest bucket starting at t0.
		for i := range Points {
			want := t0.Add(-time.Duration(Points-1-i) * res)
			if !snaps[i].Timestamp.Equal(want) {
				t.Errorf("%s: snapshot %d at %s, want %s", r, i, snaps[i].Timestamp, want)
			}
		}
	}
	// Two hours of 1 s ticks keep the hour tiered: 60 at 5 s, 40 at 15 s, 45 at 60 s.
	if kept := len(s.keptLocked()); MaxKeptSnapshots != 145 || kept != MaxKeptSnapshots {
		t.Errorf("%d snapshots kept, want %d", kept, MaxKeptSnapshots)
	}
	if saved := s.Save().Snapshots; len(saved) != MaxKeptSnapshots ||
		!saved[0].Timestamp.Equal(t0.Add(-59*time.Minute)) || !saved[len(saved)-1].Timestamp.Equal(t0) {
		t.Errorf("saved %d snapshots, %s..%s", len(saved), saved[0].Timestamp, saved[len(saved)-1].Timestamp)
	}
}

// TestSnapshotsEvenlySpaced is issue 12 item 6: the history endpoint's 60m points were
// 30 s and 60 s apart (the newest bucket's snapshot was the latest so far, the others
// their bucket's last). Whatever the phase of the ticks and wherever the latest one falls
// in its minute, and with a few milliseconds of scheduling delay, every gap is the
// range's resolution (to within that delay), and the newest point is in the bucket of
// the latest snapshot, as the charts' newest bucket is.
func TestSnapshotsEvenlySpaced(t *testing.T) {
	for _, tc := range []struct {
		name     string
		interval time.Duration
		phase    time.Duration
		jitter   time.Duration
		end      time.Duration // after t0: where the latest tick falls in its minute
	}{
		{"5s ticks mid-minute", 5 * time.Second, 3 * time.Second, 0, 33 * time.Second},
		{"5s ticks with a few ms of scheduling delay", 5 * time.Second, 4990 * time.Millisecond, 3 * time.Millisecond, 47 * time.Second},
		{"1s ticks", time.Second, 0, 0, 32 * time.Second},
		{"2.5s ticks", 2500 * time.Millisecond, 700 * time.Millisecond, 0, 58 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewStore()
			n := 0
			for ts := t0.Add(-70*time.Minute + tc.phase); ts.Before(t0.Add(tc.end)); ts = ts.Add(tc.interval) {
				j := time.Duration(n%4) * tc.jitter / 3 // late by 0..jitter, never early
				n++
				s.Process(sparse(ts.Add(j), snapshot.F(1)))
			}
			for _, r := range Ranges {
				snaps := s.Snapshots(r)
				if len(snaps) != Points {
					t.Fatalf("%s: %d points, want %d", r, len(snaps), Points)
				}
				for i := 1; i < len(snaps); i++ {
					gap := snaps[i].Timestamp.Sub(snaps[i-1].Timestamp.Time)
					if (gap - r.Resolution()).Abs() > 2*tc.jitter {
						t.Fatalf("%s: points %d and %d are %s apart, want %s", r, i-1, i, gap, r.Resolution())
					}
				}
				res := int64(r.Resolution() / time.Second)
				if newest, latest := snaps[Points-1].Timestamp.Unix()/res, s.Latest().Timestamp.Unix()/res; newest != latest {
					t.Errorf("%s: the newest point is in bucket %d, the latest snapshot in %d", r, newest, latest)
				}
			}
		})
	}
}

func TestSnapshotsSkipEmptyBuckets(t *testing.T) {
	s := NewStore()
	// 60 s interval: the 5m range has one snapshot per 12 buckets.
	for i := range 120 {
		s.Process(sparse(t0.Add(time.Duration(i)*time.Minute), snapshot.F(1)))
	}
	if got := len(s.Snapshots(Range5m)); got != 5 {
		t.Errorf("5m: %d snapshots, want 5", got)
	}
	if got := len(s.Snapshots(Range60m)); got != 60 {
		t.Errorf("60m: %d snapshots, want 60", got)
	}
	snaps := s.Snapshots(Range60m)
	if !snaps[0].Timestamp.Equal(t0.Add(60*time.Minute)) || !snaps[59].Timestamp.Equal(t0.Add(119*time.Minute)) {
		t.Errorf("60m spans %s..%s", snaps[0].Timestamp, snaps[59].Timestamp)
	}
}

func TestConcurrentReads(t *testing.T) {
	s := NewStore()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			var buf []Point
			for {
				select {
				case <-stop:
					return
				default:
				}
				buf = s.AppendSeries(buf[:0], GPUKey(0, GPUUtilization), Range15m)
				_ = s.Snapshots(Range60m)
				_ = s.Keys()
				if l := s.Latest(); l != nil {
					_ = l.Timestamp
				}
			}
		})
	}
	for i := range 2000 {
		s.Process(fullSnapshot(t0.Add(time.Duration(i)*time.Second), float64(i%100)))
	}
	close(stop)
	wg.Wait()
}

// heapAfterGC returns the live heap after two collections.
func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestMemoryFixedOver24Hours runs a simulated day at a 5 s interval (fake timestamps,
// no sleeping) and checks the live heap at hour 24 is what it was at hour 2.
func TestMemoryFixedOver24Hours(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 24 hours")
	}
	s := NewStore()
	const interval = 5 * time.Second
	var at2h uint64
	for i := range int(24 * time.Hour / interval) {
		ts := t0.Add(time.Duration(i) * interval)
		s.Process(fullSnapshot(ts, float64(i%100)))
		if ts.Equal(t0.Add(2 * time.Hour)) {
			at2h = heapAfterGC()
		}
	}
	at24h := heapAfterGC()
	runtime.KeepAlive(s)
	growth := int64(at24h) - int64(at2h)
	t.Logf("live heap at 2h %d B, at 24h %d B, growth %d B", at2h, at24h, growth)
	// Tolerance: 5% of the heap or 256 KiB, for runtime and test-framework noise.
	if tol := max(int64(at2h)/20, 256<<10); growth > tol {
		t.Errorf("heap grew by %d B between hour 2 and hour 24 (tolerance %d B)", growth, tol)
	}
}

// TestSnapshotBufferMemory measures the live heap of a store that has seen an hour of
// realistic snapshots at 5 s (reported in the test log; run with -v).
func TestSnapshotBufferMemory(t *testing.T) {
	before := heapAfterGC()
	s := NewStore()
	for i := range 720 {
		s.Process(fullSnapshot(t0.Add(time.Duration(i)*5*time.Second), float64(i%100)))
	}
	after := heapAfterGC()
	runtime.KeepAlive(s)
	total := int64(after) - int64(before)
	kept := len(s.keptLocked())
	if kept != MaxKeptSnapshots {
		t.Errorf("an hour at 5 s kept %d snapshots, want %d", kept, MaxKeptSnapshots)
	}
	t.Logf("store with %d snapshots and %d series: %d B live (%d B per snapshot, rings included)",
		kept, len(s.Keys()), total, total/int64(kept))
	if total > 32<<20 {
		t.Errorf("a full buffer takes %d B, more than 32 MiB", total)
	}
}

func BenchmarkProcess(b *testing.B) {
	s := NewStore()
	snaps := make([]*snapshot.Snapshot, 100)
	for i := range snaps {
		snaps[i] = fullSnapshot(t0, float64(i))
	}
	s.Process(snaps[0]) // keys seen
	ts := t0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ts = ts.Add(time.Second)
		snap := snaps[i%len(snaps)]
		snap.Timestamp = snapshot.Time{Time: ts}
		s.Process(snap)
	}
}

func BenchmarkSeries(b *testing.B) {
	s := NewStore()
	for i := range 3600 {
		s.Process(fullSnapshot(t0.Add(time.Duration(i)*time.Second), float64(i%100)))
	}
	for _, r := range Ranges {
		b.Run(r.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = s.Series(GPUKey(0, GPUUtilization), r)
			}
		})
	}
	b.Run("append-reuse", func(b *testing.B) {
		buf := make([]Point, 0, Points)
		b.ReportAllocs()
		for b.Loop() {
			buf = s.AppendSeries(buf[:0], KeyHostCPU, Range60m)
		}
	})
}

func BenchmarkSnapshots(b *testing.B) {
	s := NewStore()
	for i := range 3600 {
		s.Process(sparse(t0.Add(time.Duration(i)*time.Second), snapshot.F(1)))
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Snapshots(Range60m)
	}
}
