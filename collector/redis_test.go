package collector

import (
	"context"
	"fmt"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
)

func TestRedisURLErrorsHidePassword(t *testing.T) {
	src := redisSource("redis://:hunter2secret@127.0.0.1:1/notanumber", "", time.Second)
	defer src.Close()
	_, err := src.Collect(context.Background())
	if err == nil || strings.Contains(err.Error(), "hunter2secret") {
		t.Fatalf("err = %v", err)
	}
	src = redisSource("redis://127.0.0.1:1/0", "hunter2secret", time.Second)
	defer src.Close()
	_, err = src.Collect(context.Background())
	if err == nil || strings.Contains(err.Error(), "hunter2secret") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v", err)
	}
}

// expectedPercentile is the closest-ranks interpolation written out independently of
// Percentile: the value at fractional position p·(n−1) of the sorted samples.
func expectedPercentile(values []float64, p float64) float64 {
	s := append([]float64(nil), values...)
	sort.Float64s(s)
	pos := p * float64(len(s)-1)
	i := int(pos)
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[i]*(1-(pos-float64(i))) + s[i+1]*(pos-float64(i))
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// The statistics tests use the fault Redis: no other package's test reads or writes it,
// so its keyspace hit and miss counters move only with what this test does.
func TestRedisRealServer(t *testing.T) {
	url := testenv.RedisFaultURL(t)
	c := redisTestClient(t, url)
	ctx := context.Background()
	src := redisSource(url, "", 2*time.Second)
	eng := newTestEngine(t, nil, src)

	// Idle: three ticks without any lookup give no hit ratio at all, never 0.
	for i := 0; i < 3; i++ {
		s := eng.Tick(ctx)
		r := s.Databases.Redis
		if !Fresh(s, "redis") || r.Status != "healthy" {
			t.Fatalf("redis = %+v, sources %+v", r, s.Sources)
		}
		if r.HitRatio != nil {
			t.Fatalf("tick %d on an idle Redis: hit ratio = %v, want null", i, *r.HitRatio)
		}
		if q := s.Inference.Queues; q == nil || *q.Detection != 0 || *q.Analysis != 0 || q.DetectionKey != "detection_queue" {
			t.Fatalf("empty queues = %+v", q)
		}
	}

	for i := 0; i < 5; i++ {
		c.RPush(ctx, "detection_queue", fmt.Sprintf("img-%d", i))
	}
	c.RPush(ctx, "hsi:queue:analysis_queue", "a", "b")
	detect := []float64{45.2, 12.5, 80.1, 33.3, 120.7, 51, 49.9, 77.7, 63.2, 28.4, 95.5, 41}
	analyze := []float64{2104, 1730.2, 4810.7}
	for _, v := range detect {
		c.RPush(ctx, "telemetry:latency:detect", strconv.FormatFloat(v, 'f', -1, 64))
	}
	c.RPush(ctx, "telemetry:latency:detect", "not-a-number")
	for _, v := range analyze {
		c.RPush(ctx, "telemetry:latency:analyze", strconv.FormatFloat(v, 'f', -1, 64))
	}
	c.Set(ctx, "present", "1", 0)
	eng.Tick(ctx) // counters after the writes (RPUSH and SET are no lookups)
	const hits, misses = 27, 9
	for i := 0; i < hits; i++ {
		if err := c.Get(ctx, "present").Err(); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < misses; i++ {
		c.Get(ctx, fmt.Sprintf("absent-%d", i))
	}
	s := eng.Tick(ctx)
	r := s.Databases.Redis
	want := round2(float64(hits) / float64(hits+misses) * 100)
	if r.HitRatio == nil || *r.HitRatio != want {
		t.Fatalf("hit ratio = %v, want %v (%d hits, %d misses)", r.HitRatio, want, hits, misses)
	}
	if r.MemoryUsedBytes == nil || *r.MemoryUsedBytes <= 0 || r.MaxMemoryBytes == nil || *r.MaxMemoryBytes != 0 || *r.ConnectedClients < 2 ||
		*r.BlockedClients != 0 || r.PingMS == nil || r.OpsPerSecond == nil || r.Version == "" {
		t.Fatalf("redis = %+v", r)
	}
	q := s.Inference.Queues
	if q == nil || *q.Detection != 5 || q.DetectionKey != "detection_queue" || *q.Analysis != 2 || q.AnalysisKey != "hsi:queue:analysis_queue" || q.Source != "redis" {
		t.Fatalf("queues = %+v", q)
	}
	d := s.Inference.DetectorLatency
	sum := 0.0
	for _, v := range detect {
		sum += v
	}
	if d == nil || *d.Samples != int64(len(detect)) || round2(*d.Avg) != round2(sum/float64(len(detect))) ||
		round2(*d.P95) != round2(expectedPercentile(detect, 0.95)) || round2(*d.P99) != round2(expectedPercentile(detect, 0.99)) || d.Source != "redis" {
		t.Fatalf("detect = %+v, want avg %v p95 %v p99 %v", d, sum/12, expectedPercentile(detect, 0.95), expectedPercentile(detect, 0.99))
	}
	a := s.Inference.LLMLatency
	if a == nil || *a.Samples != 3 || round2(*a.P95) != round2(expectedPercentile(analyze, 0.95)) || round2(*a.Avg) != round2((2104+1730.2+4810.7)/3) {
		t.Fatalf("analyze = %+v", a)
	}
	if s.Inference.PipelineLatency != nil || s.Inference.Errors[snapshot.PartPipeline] != "redis: no data" {
		t.Fatalf("pipeline = %+v, reason %q", s.Inference.PipelineLatency, s.Inference.Errors[snapshot.PartPipeline])
	}

	// Idle again: hsi-top's own LLEN/LRANGE lookups must not count as traffic.
	for i := 0; i < 2; i++ {
		if s = eng.Tick(ctx); s.Databases.Redis.HitRatio != nil {
			t.Fatalf("idle tick after traffic: hit ratio %v, want null", *s.Databases.Redis.HitRatio)
		}
	}
}

func TestRedisFault(t *testing.T) {
	url := testenv.RedisFaultURL(t)
	redisTestClient(t, url)
	src := redisSource(url, "", 2*time.Second)
	eng := newTestEngine(t, nil, src)
	ctx := context.Background()
	if s := eng.Tick(ctx); !Fresh(s, "redis") {
		t.Fatalf("not fresh before the fault: %+v", s.Sources)
	}
	testenv.StopServer(t, "redisfault")
	stopped := true
	t.Cleanup(func() {
		if stopped {
			testenv.StartServer(t, "redisfault")
		}
	})
	var s *snapshot.Snapshot
	for range 2 {
		s = eng.Tick(ctx)
	}
	r := s.Databases.Redis
	// The one stale policy: the last values stay, marked unreachable (Redis refused) with why.
	if Fresh(s, "redis") || r.Status != "unreachable" || !strings.Contains(r.Error, "connection refused") || r.MemoryUsedBytes == nil {
		t.Fatalf("redis while down = %+v", r)
	}
	// The stale queue depths still fill the part (nothing fresher answered), marked by the
	// source's age; the reason is in the source status.
	if q := s.Inference.Queues; q == nil || q.Source != "redis" {
		t.Fatalf("queues = %+v", q)
	}
	testenv.StartServer(t, "redisfault")
	stopped = false
	if reason := eventually(10, 200*time.Millisecond, func() string {
		s = eng.Tick(ctx)
		if !Fresh(s, "redis") {
			return s.Databases.Redis.Error
		}
		return ""
	}); reason != "" {
		t.Fatalf("did not recover: %s", reason)
	}
	if s.Databases.Redis.Status != "healthy" || s.Databases.Redis.HitRatio != nil {
		t.Fatalf("after recovery = %+v (a restart resets the counters: no ratio)", s.Databases.Redis)
	}
}

func BenchmarkRedisCollect(b *testing.B) {
	url := testenv.RedisURL(b)
	src := redisSource(url, "", 2*time.Second)
	defer src.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.Collect(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// A Redis that accepts connections and never answers: the collection ends with its
// context's deadline, says so, and the next one (against a Redis that answers again)
// dials afresh. There is no read deadline per command to end it otherwise.
func TestRedisThatStopsAnswering(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var accepted []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			accepted = append(accepted, c) // read nothing, answer nothing
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range accepted {
			c.Close()
		}
	})
	src := redisSource("redis://"+ln.Addr().String()+"/0", "", 5*time.Second)
	t.Cleanup(func() { src.Close() })
	for _, timeout := range []time.Duration{300 * time.Millisecond, 200 * time.Millisecond} {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		begin := time.Now()
		_, err := src.Collect(ctx)
		took := time.Since(begin)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "PING: timeout") {
			t.Fatalf("a Redis that never answers: %v, want a PING timeout", err)
		}
		if took < timeout || took > timeout+2*time.Second {
			t.Errorf("the collection took %s with a %s deadline", took, timeout)
		}
	}
	mu.Lock()
	dialled := len(accepted)
	mu.Unlock()
	if dialled != 2 {
		t.Errorf("%d connections for two collections, want a fresh one each (the hung one closed)", dialled)
	}
}
