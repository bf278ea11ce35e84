package wire_test

import (
	"encoding/json"
	"testing"

	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
)

// object encodes v and decodes it back into generic JSON.
func object(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// at follows a path of object keys; ok is false when a key is absent.
func at(m map[string]any, keys ...string) (any, bool) {
	var cur any = m
	for _, k := range keys {
		obj, isObj := cur.(map[string]any)
		if !isObj {
			return nil, false
		}
		v, ok := obj[k]
		if !ok {
			return nil, false
		}
		cur = v
	}
	return cur, true
}

// TestPageRulesRedisNotYetMeasured: before a second sample (or after the counters went
// back) nothing is known of the ratio, not even that nothing missed, so the page gets no
// Redis card until it is measured; hsi-top's own output says null and why.
func TestPageRulesRedisNotYetMeasured(t *testing.T) {
	for _, note := range []string{snapshot.HitRatioFirstSample, snapshot.HitRatioCountersReset} {
		s := populated()
		s.Databases.Redis.HitRatio, s.Databases.Redis.HitRatioNote = nil, note
		page, own := object(t, wire.Page(s)), object(t, wire.Performance(s))
		if v, ok := at(page, "databases", "redis"); ok {
			t.Errorf("%s: page redis card = %v, want none", note, v)
		}
		if v, ok := at(own, "databases", "redis", "hit_ratio"); !ok || v != nil {
			t.Errorf("%s: --once --json hit_ratio = %v (present %v), want null", note, v, ok)
		}
		if v, _ := at(own, "databases", "redis", "hit_ratio_note"); v != note {
			t.Errorf("--once --json hit_ratio_note = %v, want %q", v, note)
		}
	}
}

// TestPageRulesIdleRedis: no lookups in the interval is hit_ratio 100 on the page's wire
// (none missed; the page colours below 50 red), with the reason beside it, and null in
// hsi-top's own output.
func TestPageRulesIdleRedis(t *testing.T) {
	s := populated()
	s.Databases.Redis.HitRatio, s.Databases.Redis.HitRatioNote = nil, snapshot.HitRatioNoLookups
	page, own := object(t, wire.Page(s)), object(t, wire.Performance(s))
	if v, _ := at(page, "databases", "redis", "hit_ratio"); v != 100.0 {
		t.Errorf("page hit_ratio = %v, want 100", v)
	}
	if v, _ := at(page, "databases", "redis", "hit_ratio_note"); v != snapshot.HitRatioNoLookups {
		t.Errorf("page hit_ratio_note = %v", v)
	}
	if v, ok := at(own, "databases", "redis", "hit_ratio"); !ok || v != nil {
		t.Errorf("--once --json hit_ratio = %v (present %v), want null", v, ok)
	}
	if s.Databases.Redis.HitRatio != nil {
		t.Error("Page changed the snapshot")
	}
}

// TestPageRulesDownCardsLeftOut: a card the page would call .toFixed on is left out
// when its numbers are unknown (Redis down, PostgreSQL down or not yet sampled twice),
// and its container row says unhealthy; hsi-top's own output keeps every card.
func TestPageRulesDownCardsLeftOut(t *testing.T) {
	s := populated()
	s.Databases.Redis = snapshot.Redis{Status: snapshot.StatusUnreachable, Error: "connection refused"}
	s.Databases.PostgreSQL.TransactionsPerMin = nil // the first sample: no delta yet
	s.Containers = snapshot.Containers{
		{Name: "redis", Status: snapshot.ContainerExited, Health: snapshot.HealthNone, State: snapshot.StatusUnreachable},
		{Name: "backend", Status: snapshot.ContainerRunning, Health: snapshot.HealthUnhealthy, State: snapshot.HealthUnhealthy},
		{Name: "ai-llm", Status: snapshot.ContainerRunning, Health: snapshot.HealthStarting, State: snapshot.HealthStarting},
		{Name: "frontend", Status: snapshot.ContainerUnknown, Health: snapshot.HealthNone, State: "unknown"},
	}
	page, own := object(t, wire.Page(s)), object(t, wire.Performance(s))
	for _, key := range []string{"redis", "postgresql", "postgres"} {
		if v, ok := at(page, "databases", key); ok {
			t.Errorf("page databases.%s = %v, want it left out", key, v)
		}
	}
	if v, _ := at(own, "databases", "redis", "status"); v != snapshot.StatusUnreachable {
		t.Errorf("--once --json redis status = %v", v)
	}
	if _, ok := at(own, "databases", "postgresql", "transactions_per_min"); !ok {
		t.Error("--once --json lost the PostgreSQL card")
	}
	rows, _ := at(page, "containers")
	want := []string{"unhealthy", "unhealthy", "starting", "none"}
	for i, r := range rows.([]any) {
		if h := r.(map[string]any)["health"]; h != want[i] {
			t.Errorf("page row %v: health %v, want %s", r.(map[string]any)["name"], h, want[i])
		}
	}
	if h := own["containers"].([]any)[0].(map[string]any)["health"]; h != snapshot.HealthNone {
		t.Errorf("--once --json keeps the collector's health, got %v", h)
	}
}

// TestPageRulesAliases: the keys the page reads under other names are present, equal to
// the originals, when known; absent when not; databases.postgres is the same card.
func TestPageRulesAliases(t *testing.T) {
	s := populated()
	s.Databases.PostgreSQL.PingMS = snapshot.F(0.42)
	s.Overview.DetectionsTotal = snapshot.I(45678)
	page := object(t, wire.Page(s))
	for _, tc := range []struct {
		path []string
		want any
	}{
		{[]string{"inference", "queues", "detection_queue"}, 3.0},
		{[]string{"inference", "queues", "analysis_queue"}, 1.0},
		{[]string{"inference", "queues", "detection"}, 3.0},
		{[]string{"inference", "throughput", "detections_per_minute"}, 12.4},
		{[]string{"inference", "throughput", "images_per_min"}, 12.4},
		{[]string{"inference", "throughput", "detections_total"}, 45678.0},
		{[]string{"inference", "pipeline_latency_ms", "db_query"}, 0.42},
		{[]string{"inference", "pipeline_latency_ms", "avg"}, 3200.0},
		{[]string{"databases", "postgres", "connections_max"}, 100.0},
		{[]string{"databases", "postgresql", "connections_max"}, 100.0},
	} {
		if v, ok := at(page, tc.path...); !ok || v != tc.want {
			t.Errorf("%v = %v (present %v), want %v", tc.path, v, ok, tc.want)
		}
	}
	if _, ok := at(page, "inference", "yolo26_latency_ms"); ok {
		t.Error("yolo26_latency_ms sent for the rtdetr detector")
	}

	s.Inference.Queues.Analysis = nil
	s.Inference.Throughput = nil
	s.Inference.DetectorKey = "yolo26"
	page = object(t, wire.Page(s))
	if v, ok := at(page, "inference", "queues", "analysis_queue"); ok {
		t.Errorf("an unknown analysis depth is sent as analysis_queue %v", v)
	}
	if v, ok := at(page, "inference", "throughput"); !ok || v != nil {
		t.Errorf("unknown throughput = %v (present %v), want null as before", v, ok)
	}
	if v, _ := at(page, "inference", "yolo26_latency_ms", "p95"); v != 82.3 {
		t.Errorf("yolo26_latency_ms.p95 = %v, want the detect p95", v)
	}
}

// TestStatusGPUMemoryFromAnyDevice: system_status's GPU memory comes from any device
// reading that has it, even when the primary gpu object is absent (no utilization).
func TestStatusGPUMemoryFromAnyDevice(t *testing.T) {
	s := populated()
	s.GPU = nil
	d := wire.Status(s, false)
	if d.GPU.MemoryUsed == nil || *d.GPU.MemoryUsed != 23245 || d.GPU.MemoryTotal == nil || *d.GPU.MemoryTotal != 24576 {
		t.Errorf("memory %v/%v, want 23245/24576 MiB from the device reading", fmtPtr(d.GPU.MemoryUsed), fmtPtr(d.GPU.MemoryTotal))
	}
	s.GPUs = nil
	if d := wire.Status(s, false); d.GPU.MemoryUsed != nil || d.GPU.MemoryTotal != nil {
		t.Errorf("memory %v/%v without any GPU reading, want null", d.GPU.MemoryUsed, d.GPU.MemoryTotal)
	}
}

func fmtPtr(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}
