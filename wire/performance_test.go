package wire_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/collector"
	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// populated returns a snapshot with every section filled, as a busy box would produce:
// the sources' results put together by collector.Assemble, the way the engine does.
func populated() *snapshot.Snapshot {
	ts := time.Date(2026, 11, 27, 22, 14, 5, 0, time.UTC)
	gpu := snapshot.GPU{
		Name: "NVIDIA RTX A5500", Utilization: snapshot.F(38),
		VRAMPercent: snapshot.Percent(24373684224, 25769803776), Temperature: snapshot.F(38),
		PowerWatts: snapshot.F(31), Index: 0, UUID: "GPU-1234", MemoryUtilization: snapshot.F(12),
		MemoryUsedBytes: snapshot.U(24373684224), MemoryTotalBytes: snapshot.U(25769803776),
		MemoryFreeBytes: snapshot.U(1396119552), PowerLimitWatts: snapshot.F(230), SMClockMHz: snapshot.F(1740),
		FanPercent: snapshot.F(41), ThrottleReasons: []string{"gpu_idle"}, Source: snapshot.ViaNVML,
		Processes: []snapshot.GPUProcess{{PID: 4242, Service: "ai-llm", Type: "compute", UsedBytes: snapshot.U(19219742720)}},
		Services:  []snapshot.ServiceVRAM{{Service: "ai-llm", UsedBytes: 19219742720, Processes: 1}},
	}
	p0 := 0
	gpu.PerformanceState = &p0
	model, device := "rtdetr_v2_r50vd", "cuda:0"
	loaded := true
	detector := snapshot.Detector{Status: "healthy", VRAMUsedBytes: snapshot.U(182536110), Model: &model, Device: &device, ModelLoaded: &loaded, CUDAAvailable: &loaded}
	llm := snapshot.LLM{Status: "healthy", SlotsActive: snapshot.I(1), SlotsTotal: snapshot.I(2), ContextSize: snapshot.I(131072),
		TokensPerSecond: snapshot.F(51.5), KVCacheUsageRatio: snapshot.F(0.231)}
	host := snapshot.Host{CPUPercent: snapshot.F(12), MemoryUsedBytes: snapshot.U(8804682957), MemoryTotalBytes: snapshot.U(32 << 30),
		RAMPercent: snapshot.Percent(8804682957, 32<<30), DiskUsedBytes: snapshot.U(167503724544), DiskTotalBytes: snapshot.U(536870912000),
		DiskPercent: snapshot.Percent(167503724544, 167503724544+369367187456), CPUPerCore: []float64{10, 14}, CPUCount: 2,
		Load: []float64{0.5, 0.4, 0.3}, NetRxBytesSec: snapshot.F(1200), NetTxBytesSec: snapshot.F(800), UptimeSeconds: snapshot.F(476412),
		Mounts: []snapshot.Mount{{Path: "/", UsedBytes: 167503724544, TotalBytes: 536870912000, Percent: snapshot.Percent(167503724544, 167503724544+369367187456)}}}
	self := snapshot.Self{CPUPercent: snapshot.F(0.4), RSSBytes: snapshot.U(12 << 20), Goroutines: 12}
	ready := true

	backend := collector.Readings{
		Overview: &snapshot.Overview{CamerasTotal: snapshot.I(4), CamerasActive: snapshot.I(4), EventsTotal: snapshot.I(1234), DetectionsTotal: snapshot.I(45678), UptimeSeconds: snapshot.F(476412.6), Source: snapshot.ViaBackend},
		Workers:  &snapshot.Workers{Ready: &ready, Source: snapshot.ViaBackend, List: []snapshot.Worker{{Name: "detection_worker", Running: true, Critical: true, State: "running"}}},
		Inference: collector.InferenceReadings{
			Detect:  &snapshot.Latency{Avg: snapshot.F(45.2), P95: snapshot.F(82.3), P99: snapshot.F(120.6), Samples: snapshot.I(409), Window: "5m", Source: snapshot.ViaBackend},
			Analyze: &snapshot.Latency{Avg: snapshot.F(2104), P95: snapshot.F(4810.7), P99: snapshot.F(8204.1), Samples: snapshot.I(37), Window: "5m", Source: snapshot.ViaBackend},
		},
	}
	prometheus := collector.Readings{Inference: collector.InferenceReadings{
		Pipeline:   &snapshot.Latency{Avg: snapshot.F(3200), P95: snapshot.F(6100), Source: snapshot.ViaPrometheus},
		Throughput: &snapshot.Throughput{ImagesPerMin: snapshot.F(12.4), EventsPerMin: snapshot.F(2.1), Source: snapshot.ViaPrometheus},
	}}
	redis := collector.Readings{
		Redis:     &snapshot.Redis{Status: "healthy", ConnectedClients: snapshot.I(8), MemoryUsedBytes: snapshot.I(1509949), HitRatio: snapshot.F(97.5), BlockedClients: snapshot.I(2)},
		Inference: collector.InferenceReadings{Queues: &snapshot.Queues{Detection: snapshot.I(3), Analysis: snapshot.I(1), Source: snapshot.ViaRedis, DetectionKey: "detection_queue", AnalysisKey: "analysis_queue"}},
	}
	postgres := collector.Readings{Postgres: &snapshot.PostgreSQL{Status: "healthy", ConnectionsActive: snapshot.I(5), ConnectionsMax: snapshot.I(100),
		CacheHitRatio: snapshot.F(98.2), TransactionsPerMin: snapshot.F(1200), ConnectionsTotal: snapshot.I(9), ConnectionsMaxSource: "max_connections"}}

	s := collector.Assemble(ts, 0, map[snapshot.SourceName]collector.Result{
		snapshot.SourceHost:       {Apply: func(s *snapshot.Snapshot) { s.Host = host }},
		snapshot.SourceSelf:       {Apply: func(s *snapshot.Snapshot) { s.Self = self }},
		snapshot.SourceNVML:       {Readings: collector.Readings{GPU: &collector.GPUReading{Devices: []snapshot.GPU{gpu}}}},
		snapshot.SourceDetector:   {Apply: func(s *snapshot.Snapshot) { s.AIModels.Detector = detector }},
		snapshot.SourceLLM:        {Apply: func(s *snapshot.Snapshot) { s.AIModels.Nemotron, s.Nemotron = llm, llm }},
		snapshot.SourceBackend:    {Readings: backend},
		snapshot.SourcePrometheus: {Readings: prometheus},
		snapshot.SourceRedis:      {Readings: redis},
		snapshot.SourcePostgres:   {Readings: postgres},
	})
	// What the stages and the box add: host name, container rows, alerts, and the one
	// source status the golden file shows.
	s.Hostname = "gpu-box"
	for _, name := range []string{"backend", "frontend", "postgres", "redis", "ai-detector", "ai-llm"} {
		s.Containers = append(s.Containers, snapshot.Container{Name: name, Status: "running", Health: "healthy", State: "healthy", Probe: name, Timeline: []string{"healthy"}})
	}
	s.Alerts = []snapshot.Alert{{Severity: "warning", Metric: "gpu_vram", Value: 94.58, Threshold: 90, Message: "GPU VRAM high: 94.6%", Object: "gpu0", Since: snapshot.Time{Time: ts.Add(-time.Minute)}, Peak: 94.58}}
	s.Sources = []snapshot.SourceStatus{{Source: "host", OK: true, LastSuccess: snapshot.At(ts), AgeSeconds: snapshot.F(0), DurationMS: 0.6, Via: snapshot.ViaHost}}
	return s
}

func TestGoldenJSON(t *testing.T) {
	got, err := json.MarshalIndent(wire.Performance(populated()), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "populated.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./wire -update to create it)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Errorf("snapshot JSON differs from %s (rerun with -update if the change is intended):\n%s", golden, got)
	}
}

// pageShape reduces a JSON value to the keys and JSON types of every object it holds:
// what the page's code can observe.
func pageShape(v any, path string, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			pageShape(e, path+"."+k, out)
		}
	case []any:
		for _, e := range x {
			pageShape(e, path+"[]", out)
		}
	default:
		out[path] = jsonType(x)
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case float64:
		return "number"
	case string:
		return "string"
	}
	return reflect.TypeOf(v).String()
}

// TestFixtureRoundTrip decodes the recorded feed message's data into PerformanceData and
// encodes it again: every field the page reads keeps its key, JSON type and value.
func TestFixtureRoundTrip(t *testing.T) {
	var frame struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(testenv.ReadFixture(t, "feed-performance_update.json"), &frame); err != nil {
		t.Fatal(err)
	}
	var s wire.PerformanceData
	if err := json.Unmarshal(frame.Data, &s); err != nil {
		t.Fatalf("decoding the fixture into PerformanceData: %v", err)
	}
	again, err := json.Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	var want, got map[string]any
	json.Unmarshal(frame.Data, &want)
	json.Unmarshal(again, &got)
	wantShape, gotShape := map[string]string{}, map[string]string{}
	pageShape(want, "", wantShape)
	pageShape(got, "", gotShape)
	for path, typ := range wantShape {
		if gotShape[path] != typ {
			t.Errorf("%s: fixture has %s, re-encoded snapshot has %q", path, typ, gotShape[path])
		}
	}
	// Values, not only types: compare each page section.
	for _, key := range []string{"gpu", "ai_models", "nemotron", "databases", "containers", "alerts", "timestamp"} {
		wantSec, _ := json.Marshal(want[key])
		gotSec := map[string]any{}
		if err := json.Unmarshal(again, &gotSec); err != nil {
			t.Fatal(err)
		}
		if !subset(want[key], gotSec[key]) {
			t.Errorf("%s: re-encoded value differs from the fixture's %s", key, wantSec)
		}
	}
}

// subset reports whether every key of want is in got with the same value (got may have
// more keys: hsi-top's own).
func subset(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if !subset(v, g[k]) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !subset(w[i], g[i]) {
				return false
			}
		}
		return true
	case string:
		// Timestamps may differ only in fractional-second digits.
		gs, _ := got.(string)
		return w == gs || strings.TrimRight(strings.TrimSuffix(w, "Z"), "0") == strings.TrimRight(strings.TrimSuffix(gs, "Z"), "0")
	}
	return reflect.DeepEqual(want, got)
}

// TestEmptySnapshotHasEverySection: a snapshot with nothing known still carries every
// page section, with unknown numbers as null and services as unreachable.
func TestEmptySnapshotHasEverySection(t *testing.T) {
	b, err := json.Marshal(wire.Performance(snapshot.New(time.Unix(0, 0))))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, key := range []string{"timestamp", "gpu", "ai_models", "nemotron", "inference", "databases", "host", "containers", "alerts"} {
		if _, ok := m[key]; !ok {
			t.Errorf("section %q missing", key)
		}
	}
	if m["alerts"] == nil || m["containers"] == nil {
		t.Errorf("alerts and containers must be arrays, got %v and %v", m["alerts"], m["containers"])
	}
	models := m["ai_models"].(map[string]any)
	if models["rtdetr"].(map[string]any)["status"] != "unreachable" || models["nemotron"].(map[string]any)["status"] != "unreachable" {
		t.Errorf("unknown models must say unreachable: %v", models)
	}
	if v, ok := m["host"].(map[string]any)["cpu_percent"]; !ok || v != nil {
		t.Errorf("unknown cpu_percent must be null, got %v", v)
	}
	if m["databases"].(map[string]any)["redis"].(map[string]any)["hit_ratio"] != nil {
		t.Error("unknown hit ratio must be null")
	}
}

func TestYolo26KeyDuplicatesDetectorLatency(t *testing.T) {
	s := snapshot.New(time.Unix(0, 0))
	s.AIModels.DetectorKey, s.Inference.DetectorKey = "yolo26", "yolo26"
	s.Inference.DetectorLatency = &snapshot.Latency{Avg: snapshot.F(9), P95: snapshot.F(12), P99: snapshot.F(15)}
	b, _ := json.Marshal(wire.Performance(s))
	var m struct {
		AIModels  map[string]json.RawMessage `json:"ai_models"`
		Inference map[string]json.RawMessage `json:"inference"`
	}
	json.Unmarshal(b, &m)
	if _, ok := m.AIModels["yolo26"]; !ok {
		t.Errorf("ai_models has no yolo26 key: %s", b)
	}
	if string(m.Inference["yolo26_latency_ms"]) != string(m.Inference["rtdetr_latency_ms"]) || m.Inference["yolo26_latency_ms"] == nil {
		t.Errorf("yolo26_latency_ms must repeat rtdetr_latency_ms: %s", b)
	}
}
