//go:build linux && cgo

package collector

import (
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// BenchmarkNVMLFaultReads is the per-tick cost of the fault and limit calls on one
// mocked device (clock events from a mask, PCIe link, ECC, encoder/decoder, per-process
// SM samples), without the rest of the device's reading.
func BenchmarkNVMLFaultReads(b *testing.B) {
	a, _ := twoGPUs()
	a.pcie, a.ecc, a.enc, a.dec = [4]int{4, 4, 16, 16}, [2]uint64{3, 0}, 5, 30
	a.procUtil = []nvml.ProcessUtilizationSample{{Pid: 4242, TimeStamp: 1, SmUtil: 60}, {Pid: 5151, TimeStamp: 1, SmUtil: 20}}
	src := newNVMLSource(newMockNVML(newMockDevice(a)), NewProcFS(standardProc(b)), time.Now)
	defer src.Close()
	g := collectApply(b, src).GPUs[0]
	d := src.devices[0]
	mask := uint64(nvml.ClocksThrottleReasonSwPowerCap)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		d.faults.procUtilSeen = 0      // a sample every tick, as on a busy GPU
		now = now.Add(5 * time.Second) // ticks 5 s apart: the ECC window keeps 120 readings
		src.readFaults(d, &g, &mask, now)
		d.processUtilization(g.Processes)
	}
}

// BenchmarkNVMLCollectWithFaults is a whole NVML collection of one mocked device with
// every fault field supported, for comparison with the reads above.
func BenchmarkNVMLCollectWithFaults(b *testing.B) {
	a, _ := twoGPUs()
	a.pcie, a.ecc, a.enc, a.dec = [4]int{4, 4, 16, 16}, [2]uint64{3, 0}, 5, 30
	src := newNVMLSource(newMockNVML(newMockDevice(a)), NewProcFS(standardProc(b)), time.Now)
	defer src.Close()
	collectApply(b, src)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.Collect(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}
