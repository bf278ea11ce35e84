//go:build linux && cgo

package collector

import (
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/hsi-top/hsi-top/snapshot"
)

// The fault and limit fields probed per device, after nvml.go's (which end at bit 11).
// Like those, a field whose call answered NOT_SUPPORTED is never called again on that
// device.
const (
	fPCIeGen uint32 = 1 << (iota + 12)
	fPCIeMaxGen
	fPCIeWidth
	fPCIeMaxWidth
	fECC
	fEncoder
	fDecoder
	fProcUtil
)

// deviceFaults is what one device remembers between ticks for its fault readings.
type deviceFaults struct {
	// clockSince is when each active clock-event reason bit was first seen in its
	// current run of ticks.
	clockSince map[uint64]time.Time
	// ecc are the recent (time, total volatile errors) readings, oldest first.
	ecc []eccReading
	// procUtilSeen is the newest process-utilization sample's timestamp returned so far
	// (NVML's CPU timestamp in µs): the next call asks only for newer samples.
	procUtilSeen uint64
}

type eccReading struct {
	at    time.Time
	total uint64
}

// readFaults reads the fault and limit fields of one device into g: clock events (from
// the throttle mask nvml.go read, when it did), PCIe link, volatile ECC counts and
// encoder/decoder use.
func (n *NVMLSource) readFaults(d *nvmlDevice, g *snapshot.GPU, mask *uint64, now time.Time) {
	if mask != nil {
		g.ClockEvents = d.faults.clockEvents(*mask, now)
	}
	g.PCIe = readPCIe(d)
	g.ECC = d.readECC(now)
	if d.has(fEncoder) {
		if u, _, ret := d.dev.GetEncoderUtilization(); d.ok(fEncoder, ret) {
			g.EncoderUtilization = snapshot.F(float64(u))
		}
	}
	if d.has(fDecoder) {
		if u, _, ret := d.dev.GetDecoderUtilization(); d.ok(fDecoder, ret) {
			g.DecoderUtilization = snapshot.F(float64(u))
		}
	}
}

// clockEvents turns the active reason bits into words, each with the time it has been
// active: since the first tick that saw it in its current run. A reason that was off
// for a tick starts again from zero.
func (f *deviceFaults) clockEvents(mask uint64, now time.Time) []snapshot.ClockEvent {
	if f.clockSince == nil {
		f.clockSince = map[uint64]time.Time{}
	}
	for bit := range f.clockSince {
		if mask&bit == 0 {
			delete(f.clockSince, bit)
		}
	}
	out := make([]snapshot.ClockEvent, 0, 4)
	for rest := mask; rest != 0; {
		bit := rest & -rest
		rest &^= bit
		since, ok := f.clockSince[bit]
		if !ok {
			since = now
			f.clockSince[bit] = now
		}
		reason, words, limiting := ClockEventWords(bit)
		out = append(out, snapshot.ClockEvent{
			Reason: reason, Words: words, Limiting: limiting,
			Since: snapshot.Time{Time: since.UTC()}, ActiveSeconds: now.Sub(since).Seconds(),
		})
	}
	return out
}

// clockEventWords are the reason bits in nvidia-smi's names and an operator's words;
// limiting marks the ones that slow work down because of heat or power.
var clockEventWords = map[uint64]struct {
	words    string
	limiting bool
}{
	nvml.ClocksThrottleReasonGpuIdle:                   {"idle", false},
	nvml.ClocksThrottleReasonApplicationsClocksSetting: {"clocks capped by an application setting", false},
	nvml.ClocksThrottleReasonSwPowerCap:                {"power cap", true},
	nvml.ClocksThrottleReasonHwSlowdown:                {"hardware slowdown (heat or power)", true},
	nvml.ClocksThrottleReasonSyncBoost:                 {"sync boost (held to another GPU's clocks)", false},
	nvml.ClocksThrottleReasonSwThermalSlowdown:         {"too hot (software slowdown)", true},
	nvml.ClocksThrottleReasonHwThermalSlowdown:         {"too hot (hardware slowdown)", true},
	nvml.ClocksThrottleReasonHwPowerBrakeSlowdown:      {"power brake (the power supply asked)", true},
	nvml.ClocksThrottleReasonDisplayClockSetting:       {"display clock setting", false},
	nvml.ClocksEventReasonBoardLimit:                   {"board limit", true},
	nvml.ClocksEventReasonReliability:                  {"reliability limit", true},
}

// ClockEventWords names one clock-event reason bit: nvidia-smi's name, words for an
// operator, and whether it limits the clocks because of heat or power.
func ClockEventWords(bit uint64) (reason, words string, limiting bool) {
	w, ok := clockEventWords[bit]
	if !ok {
		return throttleReasonNames(bit)[0], "other reason", false
	}
	return throttleReasons[bit], w.words, w.limiting
}

// readPCIe reads the link generation and width, current and maximum (the most the GPU
// and its slot allow together); nil when none of the four is supported.
func readPCIe(d *nvmlDevice) *snapshot.PCIeLink {
	var link snapshot.PCIeLink
	read := func(field uint32, call func() (int, nvml.Return)) *int {
		if !d.has(field) {
			return nil
		}
		if v, ret := call(); d.ok(field, ret) && v > 0 {
			return &v
		}
		return nil
	}
	link.Gen = read(fPCIeGen, d.dev.GetCurrPcieLinkGeneration)
	link.MaxGen = read(fPCIeMaxGen, d.dev.GetMaxPcieLinkGeneration)
	link.Width = read(fPCIeWidth, d.dev.GetCurrPcieLinkWidth)
	link.MaxWidth = read(fPCIeMaxWidth, d.dev.GetMaxPcieLinkWidth)
	if link.Gen == nil && link.MaxGen == nil && link.Width == nil && link.MaxWidth == nil {
		return nil
	}
	link.ShortfallPercent = PCIeShortfall(link.Gen, link.MaxGen, link.Width, link.MaxWidth)
	return &link
}

// pcieLaneRate is each generation's usable rate per lane in MB/s (after line coding).
var pcieLaneRate = [...]float64{0, 250, 500, 985, 1969, 3938, 7563}

// PCIeShortfall is how much of the maximum link bandwidth the current link lacks, in
// percent; nil when a number is missing or a generation is unknown.
func PCIeShortfall(gen, maxGen, width, maxWidth *int) *float64 {
	if gen == nil || maxGen == nil || width == nil || maxWidth == nil {
		return nil
	}
	if *gen >= len(pcieLaneRate) || *maxGen >= len(pcieLaneRate) || *maxWidth <= 0 {
		return nil
	}
	have := pcieLaneRate[*gen] * float64(*width)
	most := pcieLaneRate[*maxGen] * float64(*maxWidth)
	if have >= most {
		return snapshot.F(0)
	}
	return snapshot.F((1 - have/most) * 100)
}

// readECC reads the volatile corrected and uncorrected totals and how many were added
// within the last ECCWindowSeconds (against the oldest reading kept in the window, or the
// newest before it). nil when ECC is off or unsupported.
func (d *nvmlDevice) readECC(now time.Time) *snapshot.ECCErrors {
	if !d.has(fECC) {
		return nil
	}
	corrected, ret := d.dev.GetTotalEccErrors(nvml.MEMORY_ERROR_TYPE_CORRECTED, nvml.VOLATILE_ECC)
	if !d.ok(fECC, ret) {
		return nil
	}
	uncorrected, ret := d.dev.GetTotalEccErrors(nvml.MEMORY_ERROR_TYPE_UNCORRECTED, nvml.VOLATILE_ECC)
	if !d.ok(fECC, ret) {
		return nil
	}
	out := &snapshot.ECCErrors{VolatileCorrected: snapshot.U(corrected), VolatileUncorrected: snapshot.U(uncorrected)}
	total := corrected + uncorrected
	window := time.Duration(snapshot.ECCWindowSeconds) * time.Second
	f := &d.faults
	// Keep the readings inside the window and the newest one before it (the baseline).
	for len(f.ecc) > 1 && now.Sub(f.ecc[1].at) >= window {
		f.ecc = f.ecc[1:]
	}
	if len(f.ecc) > 0 && total < f.ecc[len(f.ecc)-1].total {
		f.ecc = f.ecc[:0] // the driver reloaded: the counts started again
	}
	base := total
	if len(f.ecc) > 0 {
		base = f.ecc[0].total
	}
	out.NewInWindow = snapshot.U(total - base)
	f.ecc = append(f.ecc, eccReading{at: now, total: total})
	return out
}

// processUtilization fills each process's SM share from nvmlDeviceGetProcessUtilization,
// asking only for samples newer than the last one returned, as NVML requires (its
// timestamps are the CPU's, in µs). NOT_FOUND means no process used the GPU since then:
// no sample, not an unsupported call.
func (d *nvmlDevice) processUtilization(procs []snapshot.GPUProcess) {
	if !d.has(fProcUtil) || len(procs) == 0 {
		return
	}
	samples, ret := d.dev.GetProcessUtilization(d.faults.procUtilSeen)
	if ret == nvml.ERROR_NOT_FOUND || !d.ok(fProcUtil, ret) {
		return
	}
	newest := make(map[uint32]nvml.ProcessUtilizationSample, len(samples))
	for _, s := range samples {
		if s.TimeStamp > d.faults.procUtilSeen {
			d.faults.procUtilSeen = s.TimeStamp
		}
		if prev, ok := newest[s.Pid]; !ok || s.TimeStamp > prev.TimeStamp {
			newest[s.Pid] = s
		}
	}
	for i := range procs {
		if s, ok := newest[procs[i].PID]; ok && s.SmUtil <= 100 {
			procs[i].SMUtilization = snapshot.F(float64(s.SmUtil))
		}
	}
}
