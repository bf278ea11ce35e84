package feed

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// faultySnapshot is the fixture with GPU 0 power-capped for 90 s, on a Gen3 x8 link of
// Gen4 x16, with ECC errors, an Xid 79 a minute ago and one an hour ago.
func faultySnapshot(t *testing.T) *snapshot.Snapshot {
	snap := fixtureSnapshot(t, t0)
	g := &snap.GPUs[0]
	gen, maxGen, width, maxWidth := 3, 4, 8, 16
	g.ClockEvents = []snapshot.ClockEvent{{Reason: "sw_power_cap", Words: "power cap", Limiting: true, ActiveSeconds: 90}}
	g.PCIe = &snapshot.PCIeLink{Gen: &gen, MaxGen: &maxGen, Width: &width, MaxWidth: &maxWidth, ShortfallPercent: snapshot.F(75)}
	g.ECC = &snapshot.ECCErrors{VolatileCorrected: snapshot.U(7), VolatileUncorrected: snapshot.U(1), NewInWindow: snapshot.U(2)}
	g.Xids = []snapshot.XidEvent{{At: snapshot.Time{Time: t0.Add(-time.Hour)}, Xid: 13}, {At: snapshot.Time{Time: t0.Add(-time.Minute)}, Xid: 79}}
	g.EncoderUtilization, g.DecoderUtilization = snapshot.F(0), snapshot.F(35)
	g.Processes = []snapshot.GPUProcess{{PID: 4242, Service: "ai-llm", SMUtilization: snapshot.F(60)}, {PID: 7, Service: "x"}}
	g.VRAM = &snapshot.VRAMLedger{TotalBytes: 24 << 30, DetectorBytes: snapshot.U(1 << 30), LLMBytes: snapshot.U(2 << 30), OtherBytes: 3 << 30, FreeBytes: 18 << 30}
	l := &snap.AIModels.Nemotron
	l.RequestsProcessing, l.RequestsDeferred = snapshot.F(2), snapshot.F(3)
	l.ModelSizeBytes, l.VRAMUsedBytes, l.GPULayers, l.ModelLayers = snapshot.U(4<<30), snapshot.U(2<<30), snapshot.I(8), snapshot.I(32)
	l.OffloadWarning = "only 8 of 32 model layers on the GPU: the rest run on the CPU"
	restarts, exit := int64(5), int64(137)
	snap.Containers = snapshot.Containers{
		snapshot.Container{Name: "ai-llm", State: "unhealthy", Runtime: &snapshot.RuntimeInfo{State: "restarting", Health: "none", RestartCount: &restarts}},
		snapshot.Container{Name: "redis", State: "unreachable", Runtime: &snapshot.RuntimeInfo{State: "exited", Health: "none", OOMKilled: true, ExitCode: &exit}},
		snapshot.Container{Name: "backend", State: "healthy", Runtime: &snapshot.RuntimeInfo{State: "running", Health: "healthy",
			CPUPercent: snapshot.F(50), MemoryBytes: snapshot.U(256 << 20), MemoryLimitBytes: snapshot.U(2 << 30),
			StartedAt: &snapshot.Time{Time: time.Unix(1_800_000_000, 0)}}},
	}
	return snap
}

func TestDepthMetrics(t *testing.T) {
	h := start(t, nil)
	h.src.set(faultySnapshot(t))
	code, _, body := h.get("/metrics", nil)
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	types, samples, err := parseExposition(string(body))
	if err != nil {
		t.Fatalf("/metrics is not valid text exposition: %v\n%s", err, body)
	}
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"hsi_top_gpu_clock_event_active_seconds", []string{"gpu", "0", "reason", "sw_power_cap", "limiting", "true"}, 90},
		{"hsi_top_gpu_xid_errors_recent", []string{"gpu", "0"}, 1},
		{"hsi_top_gpu_pcie_link_generation", []string{"gpu", "0"}, 3},
		{"hsi_top_gpu_pcie_link_max_generation", []string{"gpu", "0"}, 4},
		{"hsi_top_gpu_pcie_link_width", []string{"gpu", "0"}, 8},
		{"hsi_top_gpu_pcie_link_max_width", []string{"gpu", "0"}, 16},
		{"hsi_top_gpu_pcie_bandwidth_shortfall_ratio", []string{"gpu", "0"}, 0.75},
		{"hsi_top_gpu_ecc_errors_total", []string{"gpu", "0", "type", "corrected"}, 7},
		{"hsi_top_gpu_ecc_errors_total", []string{"gpu", "0", "type", "uncorrected"}, 1},
		{"hsi_top_gpu_encoder_utilization_ratio", []string{"gpu", "0"}, 0},
		{"hsi_top_gpu_decoder_utilization_ratio", []string{"gpu", "0"}, 0.35},
		{"hsi_top_gpu_process_sm_utilization_ratio", []string{"gpu", "0", "pid", "4242", "service", "ai-llm"}, 0.6},
		{"hsi_top_gpu_vram_ledger_bytes", []string{"gpu", "0", "part", "detector"}, 1 << 30},
		{"hsi_top_gpu_vram_ledger_bytes", []string{"gpu", "0", "part", "llm"}, 2 << 30},
		{"hsi_top_gpu_vram_ledger_bytes", []string{"gpu", "0", "part", "other"}, 3 << 30},
		{"hsi_top_gpu_vram_ledger_bytes", []string{"gpu", "0", "part", "free"}, 18 << 30},
		{"hsi_top_llm_requests_processing", nil, 2},
		{"hsi_top_llm_requests_deferred", nil, 3},
		{"hsi_top_llm_model_size_bytes", nil, 4 << 30},
		{"hsi_top_llm_gpu_layers", nil, 8},
		{"hsi_top_llm_model_layers", nil, 32},
		{"hsi_top_llm_gpu_memory_bytes", nil, 2 << 30},
		{"hsi_top_llm_cpu_offload", nil, 1},
		{"hsi_top_container_state", []string{"service", "ai-llm", "state", "restarting"}, 1},
		{"hsi_top_container_restarts", []string{"service", "ai-llm"}, 5},
		{"hsi_top_container_oom_killed", []string{"service", "redis"}, 1},
		{"hsi_top_container_exit_code", []string{"service", "redis"}, 137},
		{"hsi_top_container_health", []string{"service", "backend", "health", "healthy"}, 1},
		{"hsi_top_container_cpu_cores", []string{"service", "backend"}, 0.5},
		{"hsi_top_container_memory_bytes", []string{"service", "backend"}, 256 << 20},
		{"hsi_top_container_memory_limit_bytes", []string{"service", "backend"}, 2 << 30},
		{"hsi_top_container_started_timestamp_seconds", []string{"service", "backend"}, 1_800_000_000},
		{"hsi_top_service_state", []string{"service", "redis", "state", "unreachable"}, 1},
	} {
		got, ok := find(samples, tc.name, tc.labels...)
		if !ok {
			t.Errorf("%s%v missing", tc.name, tc.labels)
			continue
		}
		if math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	if types["hsi_top_gpu_ecc_errors_total"] != "counter" {
		t.Errorf("ECC type %q, want counter", types["hsi_top_gpu_ecc_errors_total"])
	}
	// Unknown stays missing: the process without an SM sample, a GPU without PCIe numbers.
	if _, ok := find(samples, "hsi_top_gpu_process_sm_utilization_ratio", "pid", "7"); ok {
		t.Error("a process without an SM sample is exported")
	}
	if _, ok := find(samples, "hsi_top_gpu_pcie_link_generation", "gpu", "1"); ok || len(faultySnapshot(t).GPUs) != 1 {
		t.Error("a GPU without a PCIe reading is exported")
	}
}
