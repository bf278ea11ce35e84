package alerts

import (
	"fmt"
	"strings"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// PCIeIdleUtilization is the GPU utilization (percent) below which a lower link
// generation is not a finding: drivers rest the link at idle. A narrower link still is.
const PCIeIdleUtilization = 10

// gpuFaultDefinitions are the rules on a GPU's faults and limits (issue 14): throttled by
// heat or power, Xid errors, a PCIe link below its maximum, ECC errors increasing. Each
// reads every GPU; a GPU that does not report the field gives an unknown reading.
func gpuFaultDefinitions() []ruleDef {
	perGPU := func(metric snapshot.AlertMetric, val func(s *snapshot.Snapshot, g *snapshot.GPU) (float64, bool),
		message func(label, word string, g *snapshot.GPU, v float64, now time.Time) string) ruleDef {
		return ruleDef{
			metric: metric, cmp: above,
			read: func(s *snapshot.Snapshot, dst []reading) []reading {
				for i := range s.GPUs {
					g := &s.GPUs[i]
					v, ok := val(s, g)
					dst = append(dst, reading{object: snapshot.GPUObject(g.Index), value: v, ok: ok})
				}
				return dst
			},
			message: func(s *snapshot.Snapshot, r reading, word string) string {
				g := gpuByObject(s, r.object)
				return message(gpuLabel(s, r.object), word, g, r.value, s.Timestamp.Time)
			},
		}
	}
	return []ruleDef{
		perGPU(snapshot.MetricGPUThrottle, throttledSeconds, throttleMessage),
		perGPU(snapshot.MetricGPUXid, func(s *snapshot.Snapshot, g *snapshot.GPU) (float64, bool) {
			if g.Xids == nil {
				return 0, false
			}
			return float64(snapshot.RecentXids(g.Xids, s.Timestamp.Time)), true
		}, xidMessage),
		perGPU(snapshot.MetricGPUPCIeLink, pcieShortfall, pcieMessage),
		perGPU(snapshot.MetricGPUECC, func(_ *snapshot.Snapshot, g *snapshot.GPU) (float64, bool) {
			if g.ECC == nil || g.ECC.NewInWindow == nil {
				return 0, false
			}
			return float64(*g.ECC.NewInWindow), true
		}, eccMessage),
	}
}

// gpuByObject finds the GPU an alert's object names; nil when it is gone.
func gpuByObject(s *snapshot.Snapshot, object string) *snapshot.GPU {
	for i := range s.GPUs {
		if snapshot.GPUObject(s.GPUs[i].Index) == object {
			return &s.GPUs[i]
		}
	}
	return nil
}

// throttledSeconds is how long the longest-running heat or power reason has been active;
// 0 when none is, unknown when the GPU does not report its clock events.
func throttledSeconds(_ *snapshot.Snapshot, g *snapshot.GPU) (float64, bool) {
	if g.ClockEvents == nil {
		return 0, false
	}
	longest := 0.0
	for _, e := range g.ClockEvents {
		if e.Limiting && e.ActiveSeconds > longest {
			longest = e.ActiveSeconds
		}
	}
	return longest, true
}

func throttleMessage(label, word string, g *snapshot.GPU, v float64, _ time.Time) string {
	var words []string
	if g != nil {
		for _, e := range g.ClockEvents {
			if e.Limiting {
				words = append(words, e.Words)
			}
		}
	}
	if len(words) == 0 {
		words = []string{"heat or power"}
	}
	head := label + " throttled"
	if word == "critical" {
		head += " critical"
	}
	return fmt.Sprintf("%s: %s for %s", head, strings.Join(words, ", "), time.Duration(v*float64(time.Second)).Round(time.Second))
}

func xidMessage(label, word string, g *snapshot.GPU, v float64, _ time.Time) string {
	msg := fmt.Sprintf("%s Xid errors %s: %.0f in 10 min", label, word, v)
	if g != nil && len(g.Xids) > 0 {
		last := g.Xids[len(g.Xids)-1]
		msg += fmt.Sprintf(", last Xid %d", last.Xid)
		if last.Meaning != "" {
			msg += " (" + last.Meaning + ")"
		}
	}
	return msg
}

// pcieShortfall is the percent of the link's maximum bandwidth it lacks. Below
// PCIeIdleUtilization only the width counts: a lower generation at idle is power saving.
func pcieShortfall(_ *snapshot.Snapshot, g *snapshot.GPU) (float64, bool) {
	l := g.PCIe
	if l == nil || l.ShortfallPercent == nil {
		return 0, false
	}
	if g.Utilization == nil || *g.Utilization < PCIeIdleUtilization {
		if *l.Width >= *l.MaxWidth {
			return 0, true
		}
		return (1 - float64(*l.Width)/float64(*l.MaxWidth)) * 100, true
	}
	return *l.ShortfallPercent, true
}

func pcieMessage(label, word string, g *snapshot.GPU, v float64, _ time.Time) string {
	head := label + " PCIe link below its maximum"
	if word == "critical" {
		head = label + " PCIe link critical"
	}
	if g == nil || g.PCIe == nil || g.PCIe.Gen == nil {
		return fmt.Sprintf("%s: %.0f%% less bandwidth", head, v)
	}
	l := g.PCIe
	return fmt.Sprintf("%s: Gen%d x%d of Gen%d x%d (%.0f%% less bandwidth)", head, *l.Gen, *l.Width, *l.MaxGen, *l.MaxWidth, v)
}

func eccMessage(label, word string, g *snapshot.GPU, v float64, _ time.Time) string {
	head := label + " ECC errors increasing"
	if word == "critical" {
		head = label + " ECC errors critical"
	}
	msg := fmt.Sprintf("%s: %.0f new in 10 min", head, v)
	if g != nil && g.ECC != nil && g.ECC.VolatileCorrected != nil && g.ECC.VolatileUncorrected != nil {
		msg += fmt.Sprintf(" (%d corrected, %d uncorrected since the driver loaded)", *g.ECC.VolatileCorrected, *g.ECC.VolatileUncorrected)
	}
	return msg
}
