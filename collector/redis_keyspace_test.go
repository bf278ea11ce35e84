package collector

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
)

// keyspaceCounters reads keyspace_hits and keyspace_misses from the server's INFO.
func keyspaceCounters(t *testing.T, c *redis.Client) (hits, misses int64) {
	t.Helper()
	text, err := c.Info(context.Background(), "stats").Result()
	if err != nil {
		t.Fatal(err)
	}
	info := ParseRedisInfo(text)
	if info.KeyspaceHits == nil || info.KeyspaceMisses == nil {
		t.Fatalf("INFO stats without keyspace counters:\n%s", text)
	}
	return *info.KeyspaceHits, *info.KeyspaceMisses
}

// TestRedisCommandsKeyspaceCounters checks, against the real server, which commands
// Redis counts as key lookups: the reason RedisSource asks MEMORY USAGE which keys exist
// before it reads any, and why what remains are the hits of LLEN and LRANGE.
func TestRedisCommandsKeyspaceCounters(t *testing.T) {
	url := testenv.RedisFaultURL(t)
	c := redisTestClient(t, url)
	ctx := context.Background()
	if err := c.RPush(ctx, "lst", "1.5", "2.5", "3.5").Err(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args    []any
		counted bool
	}{
		{[]any{"MEMORY", "USAGE", "%s"}, false},
		{[]any{"KEYS", "%s"}, false}, // not counted, but walks the whole keyspace
		{[]any{"LLEN", "%s"}, true},
		{[]any{"LRANGE", "%s", "-1000", "-1"}, true},
		{[]any{"TYPE", "%s"}, true},
		{[]any{"EXISTS", "%s"}, true},
		{[]any{"OBJECT", "ENCODING", "%s"}, true},
		{[]any{"SORT_RO", "%s", "BY", "nosort", "LIMIT", "0", "0"}, true},
		{[]any{"EVAL", "return redis.call('LLEN', KEYS[1])", "1", "%s"}, true},
	}
	for _, key := range []string{"lst", "absent"} {
		for _, tc := range cases {
			args := make([]any, len(tc.args))
			for i, a := range tc.args {
				if a == "%s" {
					a = key
				}
				args[i] = a
			}
			h0, m0 := keyspaceCounters(t, c)
			if err := c.Do(ctx, args...).Err(); err != nil && err != redis.Nil {
				t.Fatalf("%v: %v", args, err)
			}
			h1, m1 := keyspaceCounters(t, c)
			moved := h1 != h0 || m1 != m0
			if moved != tc.counted {
				t.Errorf("%v: hits %d→%d, misses %d→%d; counted = %v, want %v", args, h0, h1, m0, m1, moved, tc.counted)
			}
		}
	}
	// SCAN with TYPE looks each matching key up (a hit); with MATCH alone it does not.
	h0, m0 := keyspaceCounters(t, c)
	if err := c.Do(ctx, "SCAN", "0", "MATCH", "lst", "TYPE", "list").Err(); err != nil {
		t.Fatal(err)
	}
	if h1, m1 := keyspaceCounters(t, c); h1 != h0+1 || m1 != m0 {
		t.Errorf("SCAN … TYPE list: hits %d→%d, misses %d→%d, want one hit", h0, h1, m0, m1)
	}
}

// TestRedisSourceMovesNoCounters: a collection of a Redis without the stack's keys moves
// neither counter (only MEMORY USAGE and INFO run), and with every key present it adds
// exactly one hit per key read and never a miss.
func TestRedisSourceMovesNoCounters(t *testing.T) {
	url := testenv.RedisFaultURL(t)
	c := redisTestClient(t, url)
	ctx := context.Background()
	src := redisSource(url, "", 2*time.Second)
	t.Cleanup(func() { src.Close() })
	h0, m0 := keyspaceCounters(t, c)
	for range 5 {
		if _, err := src.Collect(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if h1, m1 := keyspaceCounters(t, c); h1 != h0 || m1 != m0 {
		t.Fatalf("absent keys: hits %d→%d, misses %d→%d, want no change", h0, h1, m0, m1)
	}
	c.RPush(ctx, "detection_queue", "a")
	c.RPush(ctx, "hsi:queue:analysis", "b")
	for _, k := range latencyKeys {
		c.RPush(ctx, k, "12.5")
	}
	h0, m0 = keyspaceCounters(t, c)
	if _, err := src.Collect(ctx); err != nil {
		t.Fatal(err)
	}
	if h1, m1 := keyspaceCounters(t, c); h1 != h0+5 || m1 != m0 {
		t.Fatalf("five present keys: hits %d→%d, misses %d→%d, want five hits, no miss", h0, h1, m0, m1)
	}
}

// twoInstanceEngine is one hsi-top of TestRedisTwoInstancesIdle: its own Redis source,
// the reasons and alert stages, and a fake clock ticking every second.
func twoInstanceEngine(t *testing.T, url string, clk *clock.Fake) *Engine {
	t.Helper()
	src := redisSource(url, "", 2*time.Second)
	t.Cleanup(func() { src.Close() })
	al := alerts.NewEngine(config.DefaultAlerts(), alerts.Options{Interval: time.Second})
	t.Cleanup(func() { al.Close() })
	eng, err := NewEngine(Options{Interval: time.Second, Timeout: 900 * time.Millisecond, Clock: clk,
		Stages: []Stage{al}}, src)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// TestRedisTwoInstancesIdle is issue 10's two hsi-top instances on one idle Redis (the
// service and the dashboard over SSH): for a minute of one-second ticks each, the hit
// ratio stays unknown and redis_hit_ratio never fires. Before, each instance counted
// the other's LLEN/LRANGE of absent keys as misses: 0 % and a critical alert.
func TestRedisTwoInstancesIdle(t *testing.T) {
	url := testenv.RedisFaultURL(t)
	c := redisTestClient(t, url)
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC))
	a, b := twoInstanceEngine(t, url, clk), twoInstanceEngine(t, url, clk)
	check := func(phase string, i int, s *snapshot.Snapshot, ok func(*float64) bool) {
		t.Helper()
		if !Fresh(s, "redis") {
			t.Fatalf("%s tick %d: redis not fresh: %+v", phase, i, s.Sources)
		}
		if r := s.Databases.Redis.HitRatio; !ok(r) {
			t.Fatalf("%s tick %d: hit ratio = %v", phase, i, *r)
		}
		for _, al := range s.Alerts {
			if al.Metric == "redis_hit_ratio" {
				t.Fatalf("%s tick %d: alert %+v", phase, i, al)
			}
		}
	}
	isNull := func(r *float64) bool { return r == nil }
	h0, m0 := keyspaceCounters(t, c)
	for i := range 60 {
		check("idle", i, a.Tick(ctx), isNull)
		check("idle", i, b.Tick(ctx), isNull)
		clk.Advance(time.Second)
	}
	if h1, m1 := keyspaceCounters(t, c); h1 != h0 || m1 != m0 {
		t.Fatalf("a minute of two instances: hits %d→%d, misses %d→%d, want no change", h0, h1, m0, m1)
	}

	// The stack at rest keeps its latency lists: reading them are hits, so the other
	// instance can only show as a 100 % ratio, never as misses.
	for _, k := range latencyKeys {
		c.RPush(ctx, k, "12.5", "30")
	}
	for i := range 10 {
		check("lists present", i, a.Tick(ctx), func(r *float64) bool { return r == nil || *r == 100 })
		check("lists present", i, b.Tick(ctx), func(r *float64) bool { return r == nil || *r == 100 })
		clk.Advance(time.Second)
	}
}

// TestRedisQueueKeysSummed: with 17 items on detection_queue and 9 on
// hsi:queue:detection the depth is 26, from both keys (before: 9, from the prefixed key).
func TestRedisQueueKeysSummed(t *testing.T) {
	url := testenv.RedisFaultURL(t)
	c := redisTestClient(t, url)
	ctx := context.Background()
	for i := range 17 {
		c.RPush(ctx, "detection_queue", fmt.Sprintf("img-%d", i))
	}
	for i := range 9 {
		c.RPush(ctx, "hsi:queue:detection", fmt.Sprintf("img-%d", i))
	}
	c.Set(ctx, "hsi:queue:detection_queue", "not a list", 0) // WRONGTYPE: not counted
	c.RPush(ctx, "analysis_queue", "a", "b", "c")
	eng := newTestEngine(t, nil, redisSource(url, "", 2*time.Second))
	q := eng.Tick(ctx).Inference.Queues
	if q == nil || q.Detection == nil || *q.Detection != 26 || q.DetectionKey != "hsi:queue:detection+detection_queue" {
		t.Fatalf("queues = %+v, want detection 26 from hsi:queue:detection+detection_queue", q)
	}
	if *q.Analysis != 3 || q.AnalysisKey != "analysis_queue" {
		t.Fatalf("analysis = %d from %q", *q.Analysis, q.AnalysisKey)
	}
}

// fillLatencyList writes n samples to key in batches, sample i being i/100 ms.
func fillLatencyList(t testing.TB, c *redis.Client, key string, n int) {
	t.Helper()
	ctx := context.Background()
	const batch = 10000
	vals := make([]any, 0, batch)
	for i := 0; i < n; i++ {
		vals = append(vals, strconv.FormatFloat(float64(i)/100, 'f', 2, 64))
		if len(vals) == batch || i == n-1 {
			if err := c.RPush(ctx, key, vals...).Err(); err != nil {
				t.Fatal(err)
			}
			vals = vals[:0]
		}
	}
}

// TestRedisLatencyListCapped: a 2,000,000-entry latency list is summarised from its
// newest 1,000 samples, with a note that it is longer than the stack keeps (before: all
// two million were read).
func TestRedisLatencyListCapped(t *testing.T) {
	url := testenv.RedisFaultURL(t)
	c := redisTestClient(t, url)
	const n = 2_000_000
	fillLatencyList(t, c, redisDetectLatencyKey, n)
	fillLatencyList(t, c, redisAnalyzeLatencyKey, maxLatencySamples) // exactly the cap: no note
	eng := newTestEngine(t, nil, redisSource(url, "", 2*time.Second))
	s := eng.Tick(context.Background())
	d := s.Inference.DetectorLatency
	// The newest 1,000 samples are (n-1000 … n-1)/100 ms: their mean is (n-500.5)/100.
	wantAvg := round2((float64(n) - 500.5) / 100)
	if d == nil || *d.Samples != maxLatencySamples || round2(*d.Avg) != wantAvg {
		t.Fatalf("detect = %+v, want 1000 samples averaging %v", d, wantAvg)
	}
	if !strings.Contains(d.Note, "more than 1000 samples") || !strings.Contains(d.Note, redisDetectLatencyKey) {
		t.Fatalf("note = %q", d.Note)
	}
	if a := s.Inference.LLMLatency; a == nil || *a.Samples != maxLatencySamples || a.Note != "" {
		t.Fatalf("analyze = %+v", a)
	}
}

// BenchmarkRedisCollectLongList measures one collection with a 2,000,000-entry latency
// list (bytes allocated per collection: the newest 1,000 samples, not the list).
func BenchmarkRedisCollectLongList(b *testing.B) {
	url := testenv.RedisFaultURL(b)
	c := redisTestClient(b, url)
	fillLatencyList(b, c, redisDetectLatencyKey, 2_000_000)
	src := redisSource(url, "", 5*time.Second)
	defer src.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.Collect(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
