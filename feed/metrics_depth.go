package feed

import (
	"strconv"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// writeDepthMetrics writes issue 14's numbers: GPU faults and limits, per-process SM
// use. Like the rest, an unknown number is a missing sample.
func writeDepthMetrics(e *expo, s *snapshot.Snapshot) {
	var clock, xid, pcieGen, pcieMaxGen, pcieWidth, pcieMaxWidth, shortfall, ecc, enc, dec, procSM []sample
	for _, g := range s.GPUs {
		idx := strconv.Itoa(g.Index)
		for _, c := range g.ClockEvents {
			clock = append(clock, one(c.ActiveSeconds, "gpu", idx, "reason", c.Reason, "limiting", strconv.FormatBool(c.Limiting)))
		}
		if g.Xids != nil {
			xid = append(xid, one(float64(recentXids(g.Xids, s.Timestamp.Time)), "gpu", idx))
		}
		if l := g.PCIe; l != nil {
			pcieGen = append(pcieGen, optInt32(l.Gen, "gpu", idx)...)
			pcieMaxGen = append(pcieMaxGen, optInt32(l.MaxGen, "gpu", idx)...)
			pcieWidth = append(pcieWidth, optInt32(l.Width, "gpu", idx)...)
			pcieMaxWidth = append(pcieMaxWidth, optInt32(l.MaxWidth, "gpu", idx)...)
			shortfall = append(shortfall, opt(l.ShortfallPercent, 0.01, "gpu", idx)...)
		}
		if c := g.ECC; c != nil {
			ecc = append(ecc, optU(c.VolatileCorrected, "gpu", idx, "type", "corrected")...)
			ecc = append(ecc, optU(c.VolatileUncorrected, "gpu", idx, "type", "uncorrected")...)
		}
		enc = append(enc, opt(g.EncoderUtilization, 0.01, "gpu", idx)...)
		dec = append(dec, opt(g.DecoderUtilization, 0.01, "gpu", idx)...)
		for _, p := range g.Processes {
			procSM = append(procSM, opt(p.SMUtilization, 0.01, "gpu", idx, "pid", strconv.FormatUint(uint64(p.PID), 10), "service", p.Service)...)
		}
	}
	e.gauge("hsi_top_gpu_clock_event_active_seconds", "How long each active clock-event (throttle) reason has been active; limiting=\"true\" for heat and power.", clock...)
	e.gauge("hsi_top_gpu_xid_errors_recent", "Xid errors the driver reported in the last 10 minutes.", xid...)
	e.gauge("hsi_top_gpu_pcie_link_generation", "PCIe link generation in use.", pcieGen...)
	e.gauge("hsi_top_gpu_pcie_link_max_generation", "Highest PCIe link generation the GPU and its slot allow.", pcieMaxGen...)
	e.gauge("hsi_top_gpu_pcie_link_width", "PCIe link width in use (lanes).", pcieWidth...)
	e.gauge("hsi_top_gpu_pcie_link_max_width", "Widest PCIe link the GPU and its slot allow (lanes).", pcieMaxWidth...)
	e.gauge("hsi_top_gpu_pcie_bandwidth_shortfall_ratio", "Part of the link's maximum bandwidth the current link lacks, 0 to 1.", shortfall...)
	e.counter("hsi_top_gpu_ecc_errors_total", "Volatile ECC errors since the driver loaded.", ecc...)
	e.gauge("hsi_top_gpu_encoder_utilization_ratio", "NVENC use, 0 to 1.", enc...)
	e.gauge("hsi_top_gpu_decoder_utilization_ratio", "NVDEC use, 0 to 1.", dec...)
	e.gauge("hsi_top_gpu_process_sm_utilization_ratio", "Each process's share of the SM over the last interval, 0 to 1.", procSM...)
}

// recentXids counts the Xids of the last XidWindowSeconds before now.
func recentXids(xids []snapshot.XidEvent, now time.Time) int {
	n := 0
	for _, x := range xids {
		if now.Sub(x.At.Time) <= snapshot.XidWindowSeconds*time.Second {
			n++
		}
	}
	return n
}

func optInt32(v *int, labels ...string) []sample {
	if v == nil {
		return nil
	}
	return []sample{{lbl(labels...), float64(*v)}}
}
