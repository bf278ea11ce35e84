package alerts

import (
	"math"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

func init() {
	ruleCases = append(ruleCases, gpuFaultRuleCases...)
}

// gpuFaultRuleCases drive the issue-14 rules through TestEveryRule.
var gpuFaultRuleCases = []ruleCase{
	{metric: "gpu_throttle", object: "gpu0", set: func(s *snapshot.Snapshot, v float64) {
		s.GPUs[0].ClockEvents = []snapshot.ClockEvent{
			{Reason: "gpu_idle", Words: "idle", ActiveSeconds: 9999},
			{Reason: "sw_power_cap", Words: "power cap", Limiting: true, ActiveSeconds: v},
		}
	}, good: 0, warn: 90, warnMsg: "GPU throttled: power cap for 1m30s", hover: 58,
		crit: 400, critMsg: "GPU throttled critical: power cap for 6m40s"},
	{metric: "gpu_xid", object: "gpu0", set: func(s *snapshot.Snapshot, v float64) {
		s.GPUs[0].Xids = []snapshot.XidEvent{{At: snapshot.Time{Time: s.Timestamp.Add(-time.Hour)}, Xid: 13}}
		for range int(v) {
			s.GPUs[0].Xids = append(s.GPUs[0].Xids, snapshot.XidEvent{At: s.Timestamp, Xid: 79, Meaning: "GPU has fallen off the bus"})
		}
	}, good: 0, warn: 1, warnMsg: "GPU Xid errors high: 1 in 10 min, last Xid 79 (GPU has fallen off the bus)", hover: math.NaN(),
		crit: 3, critMsg: "GPU Xid errors critical: 3 in 10 min, last Xid 79 (GPU has fallen off the bus)", noOscillation: true},
	{metric: "gpu_pcie_link", object: "gpu0", set: func(s *snapshot.Snapshot, v float64) {
		width := int(16 * (1 - v/100))
		gen, maxGen, maxWidth := 4, 4, 16
		s.GPUs[0].PCIe = &snapshot.PCIeLink{Gen: &gen, MaxGen: &maxGen, Width: &width, MaxWidth: &maxWidth, ShortfallPercent: snapshot.F(v)}
	}, good: 0, warn: 50, warnMsg: "GPU PCIe link below its maximum: Gen4 x8 of Gen4 x16 (50% less bandwidth)", hover: math.NaN(),
		crit: 75, critMsg: "GPU PCIe link critical: Gen4 x4 of Gen4 x16 (75% less bandwidth)", noOscillation: true},
	{metric: "gpu_ecc", object: "gpu0", set: func(s *snapshot.Snapshot, v float64) {
		s.GPUs[0].ECC = &snapshot.ECCErrors{VolatileCorrected: snapshot.U(uint64(v)), VolatileUncorrected: snapshot.U(0), NewInWindow: snapshot.U(uint64(v))}
	}, good: 0, warn: 2, warnMsg: "GPU ECC errors increasing: 2 new in 10 min (2 corrected, 0 uncorrected since the driver loaded)", hover: math.NaN(),
		crit: 12, critMsg: "GPU ECC errors critical: 12 new in 10 min (12 corrected, 0 uncorrected since the driver loaded)", noOscillation: true},
}
