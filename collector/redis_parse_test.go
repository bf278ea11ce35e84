package collector

import (
	"math"
	"testing"
)

const redisInfoSample = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n\r\n# Clients\r\n" +
	"connected_clients:8\r\ncluster_connections:0\r\nblocked_clients:2\r\n\r\n# Memory\r\n" +
	"used_memory:1509960\r\nused_memory_human:1.44M\r\nmaxmemory:268435456\r\n\r\n# Stats\r\n" +
	"instantaneous_ops_per_sec:42\r\nevicted_keys:7\r\nkeyspace_hits:975\r\nkeyspace_misses:25\r\n" +
	"garbage_line_without_colon\r\nconnected_clients_bogus:x\r\n"

func TestParseRedisInfo(t *testing.T) {
	in := ParseRedisInfo(redisInfoSample)
	if in.Version != "7.0.15" || *in.ConnectedClients != 8 || *in.BlockedClients != 2 || *in.UsedMemory != 1509960 ||
		*in.MaxMemory != 268435456 || *in.EvictedKeys != 7 || *in.OpsPerSec != 42 || *in.KeyspaceHits != 975 || *in.KeyspaceMisses != 25 {
		t.Fatalf("info = %+v", in)
	}
	empty := ParseRedisInfo("connected_clients:-3\nused_memory:abc\ninstantaneous_ops_per_sec:NaN\n")
	if empty.ConnectedClients != nil || empty.UsedMemory != nil || empty.OpsPerSec != nil || empty.KeyspaceHits != nil {
		t.Fatalf("malformed values must be unknown: %+v", empty)
	}
}

func TestHitRatio(t *testing.T) {
	for _, c := range []struct {
		name                     string
		ph, pm, h, m, ownH, ownM int64
		want                     float64
		ok                       bool
	}{
		{"hits and misses", 100, 50, 190, 60, 0, 0, 90, true},
		{"own lookups removed", 100, 50, 193, 65, 3, 5, 90, true},
		{"idle", 100, 50, 100, 50, 0, 0, 0, false},
		{"idle except own lookups", 100, 50, 102, 55, 2, 5, 0, false},
		{"reset", 100, 50, 10, 5, 0, 0, 0, false},
		{"only misses", 0, 0, 0, 4, 0, 0, 0, true},
	} {
		got, ok := HitRatio(c.ph, c.pm, c.h, c.m, c.ownH, c.ownM)
		if ok != c.ok || got != c.want {
			t.Errorf("%s: HitRatio = %v, %v; want %v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestPercentile(t *testing.T) {
	s := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	// rank = p/100*(n-1): p95 → 8.55 → 9 + 0.55*(10-9) = 9.55; p99 → 8.91 → 9.91.
	for _, c := range []struct{ p, want float64 }{{0, 1}, {50, 5.5}, {95, 9.55}, {99, 9.91}, {100, 10}} {
		if got := Percentile(s, c.p); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if got := Percentile([]float64{42}, 99); got != 42 {
		t.Errorf("one sample: %v", got)
	}
	if !math.IsNaN(Percentile(nil, 50)) {
		t.Error("no samples must be NaN")
	}
}

func TestSummarizeLatency(t *testing.T) {
	samples := ParseLatencySamples([]string{"30", "10", "20", "bogus", "-1", "NaN", "+Inf", " 40 "})
	if len(samples) != 4 {
		t.Fatalf("samples = %v", samples)
	}
	sum, ok := SummarizeLatency(samples)
	if !ok || sum.Avg != 25 || sum.Count != 4 || math.Abs(sum.P95-38.5) > 1e-9 || math.Abs(sum.P99-39.7) > 1e-9 {
		t.Fatalf("summary = %+v", sum)
	}
	if _, ok := SummarizeLatency(nil); ok {
		t.Error("no samples must not summarise")
	}
}
