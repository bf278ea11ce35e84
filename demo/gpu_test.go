//go:build linux && cgo

package demo

import (
	"context"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/hsi-top/hsi-top/collector"
	"github.com/hsi-top/hsi-top/snapshot"
)

// TestSimulatedGPUsSpike: the first GPU bursts to 100 % for 10 s every two minutes,
// power-capped at its limit and throttled; between bursts it runs below that.
func TestSimulatedGPUsSpike(t *testing.T) {
	g := demoGPUs[0]
	burst, calm := g.at(45), g.at(100)
	if burst.util != 100 || burst.powerMW != g.limitMW || burst.throttle != nvml.ClocksThrottleReasonSwPowerCap {
		t.Fatalf("burst: %+v", burst)
	}
	if calm.util >= 90 || calm.powerMW >= g.limitMW || calm.throttle != 0 {
		t.Fatalf("between bursts: %+v", calm)
	}
	if g.at(45+120).util != 100 {
		t.Fatal("the burst does not repeat two minutes later")
	}
	if burst.temp <= calm.temp {
		t.Fatal("the temperature does not follow the load")
	}
}

// TestSimulatedGPUsThroughNVMLSource: the collector's NVML source reads both simulated
// GPUs, their processes by service and their throttle state.
func TestSimulatedGPUsThroughNVMLSource(t *testing.T) {
	src := simulatedGPUs(time.Now())[0]
	defer src.(interface{ Close() error }).Close()
	res, err := src.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := collector.Assemble(time.Now(), 0, map[snapshot.SourceName]collector.Result{src.Name(): res})
	if len(s.GPUs) != 2 || s.GPUs[0].Name != "NVIDIA RTX A5500" || s.GPUs[1].Name != "NVIDIA RTX A2000" {
		t.Fatalf("GPUs: %+v", s.GPUs)
	}
	g := s.GPUs[0]
	if g.PowerLimitWatts == nil || *g.PowerLimitWatts != 230 || g.SMClockMHz == nil || g.PerformanceState == nil {
		t.Fatalf("GPU0 lacks power limit, clock or P-state: %+v", g)
	}
	services := map[string]bool{}
	for _, sv := range g.Services {
		services[sv.Service] = true
	}
	if !services["ai-llm"] || !services["ai-detector"] {
		t.Fatalf("GPU0 services: %+v", g.Services)
	}
}
