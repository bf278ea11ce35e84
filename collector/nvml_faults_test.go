//go:build linux && cgo

package collector

import (
	"context"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// fakeClock is a settable clock for the source and the snapshots.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// gpuState is what a device answers for the fields a test changes between ticks.
type gpuState struct {
	mu       sync.Mutex
	throttle uint64
	pcie     [4]int
	ecc      [2]uint64
	samples  []nvml.ProcessUtilizationSample
}

// live makes dev answer the throttle mask, PCIe link, ECC counts and process samples
// from st, so a test can change them while the source runs.
func (st *gpuState) live(dev *mock.Device) *mock.Device {
	lock := func() func() { st.mu.Lock(); return st.mu.Unlock }
	dev.GetCurrentClocksThrottleReasonsFunc = func() (uint64, nvml.Return) { defer lock()(); return st.throttle, nvml.SUCCESS }
	dev.GetCurrPcieLinkGenerationFunc = func() (int, nvml.Return) { defer lock()(); return st.pcie[0], nvml.SUCCESS }
	dev.GetMaxPcieLinkGenerationFunc = func() (int, nvml.Return) { defer lock()(); return st.pcie[1], nvml.SUCCESS }
	dev.GetCurrPcieLinkWidthFunc = func() (int, nvml.Return) { defer lock()(); return st.pcie[2], nvml.SUCCESS }
	dev.GetMaxPcieLinkWidthFunc = func() (int, nvml.Return) { defer lock()(); return st.pcie[3], nvml.SUCCESS }
	dev.GetTotalEccErrorsFunc = func(t nvml.MemoryErrorType, _ nvml.EccCounterType) (uint64, nvml.Return) {
		defer lock()()
		return st.ecc[t], nvml.SUCCESS
	}
	dev.GetProcessUtilizationFunc = func(last uint64) ([]nvml.ProcessUtilizationSample, nvml.Return) {
		defer lock()()
		var out []nvml.ProcessUtilizationSample
		for _, s := range st.samples {
			if s.TimeStamp > last {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return nil, nvml.ERROR_NOT_FOUND
		}
		return out, nvml.SUCCESS
	}
	return dev
}

func (st *gpuState) set(f func(st *gpuState)) { st.mu.Lock(); f(st); st.mu.Unlock() }

// xidEvents is a mock event set fed from a channel; each wait times out after its
// timeout as NVML's does.
func xidEvents(events <-chan nvml.EventData) *mock.EventSet {
	return &mock.EventSet{
		WaitFunc: func(ms uint32) (nvml.EventData, nvml.Return) {
			select {
			case ev := <-events:
				return ev, nvml.SUCCESS
			case <-time.After(time.Duration(ms) * time.Millisecond):
				return nvml.EventData{}, nvml.ERROR_TIMEOUT
			}
		},
		FreeFunc: func() nvml.Return { return nvml.SUCCESS },
	}
}

func collectAt(t testing.TB, src *NVMLSource, clock *fakeClock) *snapshot.Snapshot {
	t.Helper()
	res, err := src.Collect(context.Background())
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return Assemble(clock.now(), 0, map[snapshot.SourceName]Result{src.Name(): res})
}

func TestNVMLFaultFields(t *testing.T) {
	a, _ := twoGPUs()
	a.enc, a.dec = 12, 30
	st := &gpuState{
		throttle: nvml.ClocksThrottleReasonSwPowerCap | nvml.ClocksThrottleReasonHwThermalSlowdown,
		pcie:     [4]int{3, 4, 8, 16},
		ecc:      [2]uint64{5, 1},
		samples: []nvml.ProcessUtilizationSample{
			{Pid: 4242, TimeStamp: 100, SmUtil: 60}, {Pid: 4242, TimeStamp: 200, SmUtil: 70}, {Pid: 5151, TimeStamp: 150, SmUtil: 20},
		},
	}
	dev := st.live(newMockDevice(a))
	clock := &fakeClock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	src := newNVMLSource(newMockNVML(dev), NewProcFS(standardProc(t)), clock.now)
	defer src.Close()

	g := collectAt(t, src, clock).GPUs[0]
	if len(g.ClockEvents) != 2 {
		t.Fatalf("clock events = %+v, want power cap and thermal", g.ClockEvents)
	}
	want := []snapshot.ClockEvent{
		{Reason: "sw_power_cap", Words: "power cap", Limiting: true, Since: snapshot.Time{Time: clock.now()}},
		{Reason: "hw_thermal_slowdown", Words: "too hot (hardware slowdown)", Limiting: true, Since: snapshot.Time{Time: clock.now()}},
	}
	for i := range want {
		if g.ClockEvents[i] != want[i] {
			t.Errorf("clock event %d = %+v, want %+v", i, g.ClockEvents[i], want[i])
		}
	}
	wantShortfall := (1 - 985.0*8/(1969*16)) * 100
	if p := g.PCIe; p == nil || *p.Gen != 3 || *p.MaxGen != 4 || *p.Width != 8 || *p.MaxWidth != 16 ||
		math.Abs(*p.ShortfallPercent-wantShortfall) > 1e-9 {
		t.Errorf("pcie = %+v, want Gen3 x8 of Gen4 x16, %.3f%% short", p, wantShortfall)
	}
	if e := g.ECC; e == nil || *e.VolatileCorrected != 5 || *e.VolatileUncorrected != 1 || *e.NewInWindow != 0 {
		t.Errorf("ecc = %+v, want 5 corrected, 1 uncorrected, 0 new", e)
	}
	if g.EncoderUtilization == nil || *g.EncoderUtilization != 12 || g.DecoderUtilization == nil || *g.DecoderUtilization != 30 {
		t.Errorf("encoder/decoder = %v/%v, want 12/30", fmtPtr(g.EncoderUtilization), fmtPtr(g.DecoderUtilization))
	}
	sm := map[uint32]any{}
	for _, p := range g.Processes {
		sm[p.PID] = fmtPtr(p.SMUtilization)
	}
	if sm[4242] != 70.0 || sm[5151] != 20.0 || sm[6161] != nil {
		t.Errorf("SM use by PID = %v, want 4242: 70 (its newest sample), 5151: 20, 6161: none", sm)
	}

	// 45 s later: the thermal reason ended, the power cap goes on; two more ECC errors;
	// no process sample newer than the last one seen (NOT_FOUND, asked from 200 on).
	clock.add(45 * time.Second)
	st.set(func(st *gpuState) {
		st.throttle = nvml.ClocksThrottleReasonSwPowerCap
		st.ecc = [2]uint64{7, 1}
	})
	g = collectAt(t, src, clock).GPUs[0]
	if len(g.ClockEvents) != 1 || g.ClockEvents[0].Reason != "sw_power_cap" || g.ClockEvents[0].ActiveSeconds != 45 {
		t.Errorf("clock events after 45 s = %+v, want power cap active 45 s", g.ClockEvents)
	}
	if *g.ECC.NewInWindow != 2 {
		t.Errorf("ECC new in window = %d, want 2", *g.ECC.NewInWindow)
	}
	calls := dev.GetProcessUtilizationCalls()
	if len(calls) != 2 || calls[0].V != 0 || calls[1].V != 200 {
		t.Errorf("GetProcessUtilization timestamps = %+v, want 0 then 200", calls)
	}
	for _, p := range g.Processes {
		if p.SMUtilization != nil {
			t.Errorf("PID %d SM = %v without a new sample, want unknown", p.PID, *p.SMUtilization)
		}
	}
	if g.Processes == nil {
		t.Fatal("NOT_FOUND from GetProcessUtilization lost the process list")
	}

	// Thermal again: it starts from zero; the ECC baseline moves once a reading is older
	// than the window; a new sample for the detector only.
	clock.add(11 * time.Minute)
	st.set(func(st *gpuState) {
		st.throttle = nvml.ClocksThrottleReasonSwPowerCap | nvml.ClocksThrottleReasonHwThermalSlowdown
		st.samples = append(st.samples, nvml.ProcessUtilizationSample{Pid: 5151, TimeStamp: 900, SmUtil: 35})
	})
	g = collectAt(t, src, clock).GPUs[0]
	if g.ClockEvents[0].ActiveSeconds != 45+660 || g.ClockEvents[1].ActiveSeconds != 0 {
		t.Errorf("clock events = %+v, want power cap 705 s, thermal 0 s", g.ClockEvents)
	}
	if *g.ECC.NewInWindow != 0 {
		t.Errorf("ECC new in window after 11 min without errors = %d, want 0", *g.ECC.NewInWindow)
	}
	for _, p := range g.Processes {
		if p.PID == 5151 && (p.SMUtilization == nil || *p.SMUtilization != 35) {
			t.Errorf("detector SM = %v, want 35", fmtPtr(p.SMUtilization))
		}
	}
}

func TestNVMLFaultsNotSupported(t *testing.T) {
	a, _ := twoGPUs()
	a.noFaults = true
	dev := newMockDevice(a)
	dev.GetCurrentClocksThrottleReasonsFunc = func() (uint64, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED }
	lib := newMockNVML(dev)
	src := newNVMLSource(lib, NewProcFS(standardProc(t)), time.Now)
	defer src.Close()
	for range 3 {
		g := collectApply(t, src).GPUs[0]
		if g.ClockEvents != nil || g.PCIe != nil || g.ECC != nil || g.EncoderUtilization != nil ||
			g.DecoderUtilization != nil || g.Xids != nil {
			t.Fatalf("unsupported fields not unknown: events %v pcie %v ecc %v enc %v dec %v xid %v",
				g.ClockEvents, g.PCIe, g.ECC, g.EncoderUtilization, g.DecoderUtilization, g.Xids)
		}
		for _, p := range g.Processes {
			if p.SMUtilization != nil {
				t.Fatalf("PID %d SM = %v, want unknown", p.PID, *p.SMUtilization)
			}
		}
		if len(g.Processes) == 0 {
			t.Fatal("processes lost")
		}
	}
	counts := map[string]int{
		"GetCurrPcieLinkGeneration": len(dev.GetCurrPcieLinkGenerationCalls()),
		"GetMaxPcieLinkGeneration":  len(dev.GetMaxPcieLinkGenerationCalls()),
		"GetCurrPcieLinkWidth":      len(dev.GetCurrPcieLinkWidthCalls()),
		"GetMaxPcieLinkWidth":       len(dev.GetMaxPcieLinkWidthCalls()),
		"GetTotalEccErrors":         len(dev.GetTotalEccErrorsCalls()),
		"GetEncoderUtilization":     len(dev.GetEncoderUtilizationCalls()),
		"GetDecoderUtilization":     len(dev.GetDecoderUtilizationCalls()),
		"GetProcessUtilization":     len(dev.GetProcessUtilizationCalls()),
	}
	for name, n := range counts {
		if n != 1 {
			t.Errorf("%s called %d times over 3 collections, want once (NOT_SUPPORTED is remembered)", name, n)
		}
	}
	if n := len(lib.EventSetCreateCalls()); n != 1 {
		t.Errorf("EventSetCreate called %d times, want once (at start)", n)
	}
}

// xidSource is the NVML source on two devices, the first delivering Xid events from
// the returned channel, the second not supporting them; each logged Xid is signalled.
func xidSource(t *testing.T, clock *fakeClock) (*NVMLSource, chan<- nvml.EventData, <-chan struct{}, *mock.Device, *mock.EventSet) {
	a, b := twoGPUs()
	devA, devB := newMockDevice(a), newMockDevice(b)
	devA.GetSupportedEventTypesFunc = func() (uint64, nvml.Return) {
		return nvml.EventTypeXidCriticalError | nvml.EventTypePState, nvml.SUCCESS
	}
	devA.RegisterEventsFunc = func(uint64, nvml.EventSet) nvml.Return { return nvml.SUCCESS }
	events := make(chan nvml.EventData)
	set := xidEvents(events)
	lib := newMockNVML(devA, devB)
	lib.EventSetCreateFunc = func() (nvml.EventSet, nvml.Return) { return set, nvml.SUCCESS }
	src := newNVMLSource(lib, NewProcFS(standardProc(t)), clock.now)
	logged := make(chan struct{}, 32)
	src.onXid = func() { logged <- struct{}{} }
	return src, events, logged, devA, set
}

func TestNVMLXidWhileRunning(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	src, events, logged, devA, set := xidSource(t, clock)
	s := collectAt(t, src, clock)
	if s.GPUs[0].Xids == nil || len(s.GPUs[0].Xids) != 0 {
		t.Errorf("GPU 0 Xids = %#v, want an empty log (watched, none yet)", s.GPUs[0].Xids)
	}
	if s.GPUs[1].Xids != nil {
		t.Errorf("GPU 1 Xids = %#v, want nil (no Xid events on this device)", s.GPUs[1].Xids)
	}
	if calls := devA.RegisterEventsCalls(); len(calls) != 1 || calls[0].V != nvml.EventTypeXidCriticalError {
		t.Errorf("RegisterEvents calls = %+v, want one for Xid errors only", calls)
	}

	for _, xid := range []uint64{79, 48, 31, 43, 999} {
		clock.add(time.Second)
		events <- nvml.EventData{Device: devA, EventType: nvml.EventTypeXidCriticalError, EventData: xid}
		<-logged
	}
	got := collectAt(t, src, clock).GPUs[0].Xids
	want := []string{
		"79 GPU has fallen off the bus", "48 double-bit ECC error", "31 GPU memory page fault (an application fault)",
		"43 GPU stopped processing (an application fault)", "999 ",
	}
	if len(got) != len(want) {
		t.Fatalf("Xid log = %+v, want %d entries", got, len(want))
	}
	for i, x := range got {
		if line := strings.TrimSpace(formatXid(x)); line != strings.TrimSpace(want[i]) {
			t.Errorf("Xid %d = %q, want %q", i, line, want[i])
		}
		if wantAt := time.Date(2026, 12, 1, 8, 0, i+1, 0, time.UTC); !x.At.Equal(wantAt) {
			t.Errorf("Xid %d at %s, want %s", i, x.At, wantAt)
		}
	}

	// The log keeps the newest XidLogSize.
	for i := range XidLogSize {
		events <- nvml.EventData{Device: devA, EventType: nvml.EventTypeXidCriticalError, EventData: uint64(100 + i)}
		<-logged
	}
	got = collectAt(t, src, clock).GPUs[0].Xids
	if len(got) != XidLogSize || got[0].Xid != 100 || got[XidLogSize-1].Xid != uint64(100+XidLogSize-1) {
		t.Errorf("full Xid log = %d entries from %d, want %d from 100", len(got), got[0].Xid, XidLogSize)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(set.FreeCalls()); n != 1 {
		t.Errorf("event set freed %d times, want once on Close", n)
	}
}

func formatXid(x snapshot.XidEvent) string {
	return strconv.FormatUint(x.Xid, 10) + " " + x.Meaning
}

// TestNVMLFaultRulesRaiseAndClear runs the four fault rules on the NVML source over a
// mocked GPU: throttled by power for over a minute, a narrowed PCIe link, an Xid and new
// ECC errors raise their warnings; each clears when its cause goes.
func TestNVMLFaultRulesRaiseAndClear(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	src, events, logged, devA, _ := xidSource(t, clock)
	defer src.Close()
	st := &gpuState{throttle: nvml.ClocksThrottleReasonSwPowerCap, pcie: [4]int{4, 4, 8, 16}}
	st.live(devA)
	engine := alerts.NewEngine(config.DefaultAlerts(), alerts.Options{Interval: 5 * time.Second})
	tick := func() map[snapshot.AlertMetric]snapshot.Alert {
		t.Helper()
		s := collectAt(t, src, clock)
		s.GPUs = s.GPUs[:1] // one GPU: the messages say "GPU"
		engine.Process(s)
		clock.add(5 * time.Second)
		out := map[snapshot.AlertMetric]snapshot.Alert{}
		for _, a := range s.Alerts {
			out[a.Metric] = a
		}
		return out
	}
	active := tick()
	if a, ok := active[snapshot.MetricGPUPCIeLink]; !ok || a.Severity != "warning" ||
		a.Message != "GPU PCIe link below its maximum: Gen4 x8 of Gen4 x16 (50% less bandwidth)" {
		t.Errorf("pcie alert = %+v, want a warning at once", a)
	}
	if _, ok := active[snapshot.MetricGPUThrottle]; ok {
		t.Error("throttle alert at 0 s of throttling")
	}
	for range 13 { // 65 s of power capping
		active = tick()
	}
	if a := active[snapshot.MetricGPUThrottle]; a.Severity != "warning" || a.Message != "GPU throttled: power cap for 1m5s" {
		t.Errorf("throttle alert = %+v, want a warning after 65 s", a)
	}
	events <- nvml.EventData{Device: devA, EventType: nvml.EventTypeXidCriticalError, EventData: 79}
	<-logged
	st.set(func(st *gpuState) { st.ecc = [2]uint64{2, 0} })
	active = tick()
	if a := active[snapshot.MetricGPUXid]; a.Severity != "warning" || a.Message != "GPU Xid errors high: 1 in 10 min, last Xid 79 (GPU has fallen off the bus)" {
		t.Errorf("xid alert = %+v", a)
	}
	if a := active[snapshot.MetricGPUECC]; a.Severity != "warning" ||
		a.Message != "GPU ECC errors increasing: 2 new in 10 min (2 corrected, 0 uncorrected since the driver loaded)" {
		t.Errorf("ecc alert = %+v", a)
	}

	// The causes go: throttling stops and the link is back at once; the Xid and the
	// ECC errors leave their 10-minute window.
	st.set(func(st *gpuState) { st.throttle, st.pcie = 0, [4]int{4, 4, 16, 16} })
	active = tick()
	for _, m := range []snapshot.AlertMetric{snapshot.MetricGPUThrottle, snapshot.MetricGPUPCIeLink} {
		if a, ok := active[m]; ok {
			t.Errorf("%s still active after its cause went: %+v", m, a)
		}
	}
	for range 10 * 60 / 5 {
		active = tick()
	}
	if len(active) != 0 {
		t.Errorf("alerts after 10 quiet minutes: %+v, want none", active)
	}
}
