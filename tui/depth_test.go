package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
)

// depthSnapshot is the healthy scenario's last snapshot with issue 14's numbers: GPU 0
// power-capped for 65 s on a narrowed link with an Xid 79, the LLM partly on the CPU
// and saturated, and the Engine API's view of two containers.
func depthSnapshot(i int) *snapshot.Snapshot {
	s := build(scHealthy, i)
	g := &s.GPUs[0]
	gen, maxGen, width, maxWidth := 3, 4, 8, 16
	g.ClockEvents = []snapshot.ClockEvent{{Reason: "sw_power_cap", Words: "power cap", Limiting: true, ActiveSeconds: 65}}
	g.PCIe = &snapshot.PCIeLink{Gen: &gen, MaxGen: &maxGen, Width: &width, MaxWidth: &maxWidth, ShortfallPercent: snapshot.F(75)}
	g.ECC = &snapshot.ECCErrors{VolatileCorrected: snapshot.U(0), VolatileUncorrected: snapshot.U(0), NewInWindow: snapshot.U(0)}
	g.Xids = []snapshot.XidEvent{{At: snapshot.Time{Time: s.Timestamp.Add(-2 * time.Minute)}, Xid: 79, Meaning: "GPU has fallen off the bus"}}
	g.EncoderUtilization, g.DecoderUtilization = snapshot.F(0), snapshot.F(35)
	g.VRAM = &snapshot.VRAMLedger{Headroom: []string{"2.5 GiB free", "one more detector instance (~174 MiB) fits"}}
	l := &s.AIModels.Nemotron
	l.TokensPerSecond, l.PromptTokensPerSecond, l.RequestsDeferred = snapshot.F(25), snapshot.F(300), snapshot.F(2)
	l.GPULayers, l.ModelLayers, l.ModelFile = snapshot.I(8), snapshot.I(32), sp("Nemotron-Mini-4B-Q4_K_M.gguf")
	l.OffloadWarning = "only 8 of 32 model layers on the GPU: the rest run on the CPU"
	s.Nemotron = *l
	restarts, exit := int64(5), int64(137)
	for j := range s.Containers {
		switch s.Containers[j].Name {
		case "ai-llm":
			s.Containers[j].State, s.Containers[j].Error = "unhealthy", "restarting (5 restarts)"
			s.Containers[j].Runtime = &snapshot.RuntimeInfo{State: "restarting", Health: "none", RestartCount: &restarts}
		case "redis":
			s.Containers[j].State, s.Containers[j].Error = "unreachable", "exited (exit code 137), OOM-killed: the container ran out of its memory limit"
			s.Containers[j].Runtime = &snapshot.RuntimeInfo{State: "exited", Health: "none", OOMKilled: true, ExitCode: &exit}
		case "backend":
			s.Containers[j].Runtime = &snapshot.RuntimeInfo{State: "running", Health: "healthy", CPUPercent: snapshot.F(50),
				MemoryBytes: snapshot.U(256 << 20), StartedAt: &snapshot.Time{Time: s.Timestamp.Add(-2 * time.Hour)}}
		}
	}
	return s
}

func TestDepthOnTheDashboard(t *testing.T) {
	m, hist, _, clk := newTestModel(scHealthy, ticks, 200, 60)
	defer m.Close()
	for i := range ticks { // the LLM busy in every third tick
		v := 0.0
		if i%3 == 0 {
			v = 1
		}
		hist.add(history.KeyContention, snapshot.F(v))
	}
	s := depthSnapshot(ticks)
	clk.Set(s.Timestamp.Add(1500 * time.Millisecond))
	m.Update(SnapshotMsg{s})
	frame := m.View()
	for _, want := range []string{
		"GPU0 throttled: power cap 1m05s",
		"Link GPU0  PCIe Gen3 x8 (max Gen4 x16) narrowed · ECC 0 corr 0 uncorr · Xid 79 GPU has fallen off the bus 2m 0s ago · enc 0% dec 35%",
		"Room GPU0  2.5 GiB free · one more detector instance (~174 MiB) fits",
		"KV 12% · 2 deferred", "gen 25.0 tok/s · prompt 300 tok/s",
		"ctx 4,096 tokens/slot · 8/32 layers on GPU",
		"only 8 of 32 model layers on the GPU: the rest run on the CPU",
		"restarting (5 restarts) · ↻5", "exited (exit code 137), OOM-killed",
		"50% CPU · 256.0 MiB · up 2h",
	} {
		if !strings.Contains(frame, want) {
			t.Errorf("the dashboard lacks %q:\n%s", want, frame)
		}
	}
	// A row of marks under det95's caption (every third tick was busy).
	marks := -1
	for _, line := range strings.Split(frame, "\n") {
		if i := strings.Index(line, "│ │ "); i >= 0 {
			right := strings.Trim(line[i+len("│ │ "):], " │")
			if right != "" && strings.Trim(right, " "+string(markGlyph)) == "" {
				marks = strings.Count(right, string(markGlyph))
			}
		}
	}
	if marks <= 0 {
		t.Errorf("no row of contention marks on the detector-latency chart:\n%s", frame)
	}
}
