//go:build linux && cgo

package demo

import (
	"math"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"

	"github.com/hsi-top/hsi-top/collector"
)

const (
	mib = uint64(1) << 20
	gib = uint64(1) << 30
)

// simGPU is one simulated device: its fixed description and its load over time.
type simGPU struct {
	name, uuid string
	total      uint64
	limitMW    uint32
	// load is the utilisation in % at t seconds since the demo started.
	load func(t float64) float64
	// procs are the processes holding memory at t.
	procs func(t float64) []nvml.ProcessInfo
	// idleTemp and wattsPerPct shape the temperature and power from the load.
	idleTemp, degPerPct, idleW, wattsPerPct float64
}

// spike is 1 for width seconds every period seconds (starting at offset), else 0.
func spike(t, period, offset, width float64) float64 {
	if math.Mod(t+period-offset, period) < width {
		return 1
	}
	return 0
}

// demoGPUs are an RTX A5500 running the LLM and the detector, busy in waves with a
// 10-second burst to 100 % every two minutes (power-capped and throttled while it
// lasts), and an RTX A2000 that idles with a short job every five minutes.
var demoGPUs = []simGPU{
	{
		name: "NVIDIA RTX A5500", uuid: "GPU-de300000-0000-4000-8000-000000000000", total: 24 * gib, limitMW: 230000,
		load: func(t float64) float64 {
			return max(35+18*math.Sin(t/25)+6*math.Sin(t/7), 100*spike(t, 120, 40, 10))
		},
		procs: func(t float64) []nvml.ProcessInfo {
			return []nvml.ProcessInfo{
				{Pid: 4242, UsedGpuMemory: 19*gib + uint64(200+150*math.Sin(t/60))*mib},
				{Pid: 4310, UsedGpuMemory: uint64(174+40*spike(t, 120, 40, 10))*mib + uint64(20*math.Sin(t/9)+20)*mib},
				{Pid: 999999, UsedGpuMemory: 300 * mib},
			}
		},
		idleTemp: 48, degPerPct: 0.32, idleW: 45, wattsPerPct: 1.85,
	},
	{
		name: "NVIDIA RTX A2000", uuid: "GPU-de300001-0000-4000-8000-000000000001", total: 12 * gib, limitMW: 70000,
		load: func(t float64) float64 {
			return max(4+3*math.Sin(t/13), 85*spike(t, 300, 150, 20))
		},
		procs: func(t float64) []nvml.ProcessInfo {
			if spike(t, 300, 150, 20) == 1 {
				return []nvml.ProcessInfo{{Pid: 5120, UsedGpuMemory: 2*gib + 300*mib}}
			}
			return []nvml.ProcessInfo{{Pid: 5120, UsedGpuMemory: 600 * mib}}
		},
		idleTemp: 38, degPerPct: 0.3, idleW: 9, wattsPerPct: 0.6,
	},
}

// demoProcs names the simulated processes as /proc would.
type demoProcs struct{}

func (demoProcs) HostPIDs() bool { return true }

func (demoProcs) ServiceName(pid uint32) string {
	switch pid {
	case 4242:
		return "ai-llm"
	case 4310:
		return "ai-detector"
	case 5120:
		return "ai-embedder"
	}
	return collector.ServiceUnknown
}

// simulatedGPUs is the NVML source on a mock library of the two demo GPUs.
func simulatedGPUs(start time.Time) []collector.Source {
	devs := make([]*mock.Device, len(demoGPUs))
	for i := range demoGPUs {
		devs[i] = mockDevice(demoGPUs[i], start)
	}
	lib := &mock.Interface{
		InitFunc:     func() nvml.Return { return nvml.SUCCESS },
		ShutdownFunc: func() nvml.Return { return nvml.SUCCESS },
		ExtensionsFunc: func() nvml.ExtendedInterface {
			return &mock.ExtendedInterface{LookupSymbolFunc: func(string) error { return nil }}
		},
		DeviceGetCountFunc: func() (int, nvml.Return) { return len(devs), nvml.SUCCESS },
		EventSetCreateFunc: func() (nvml.EventSet, nvml.Return) { return quietEventSet(), nvml.SUCCESS },
		DeviceGetHandleByIndexFunc: func(i int) (nvml.Device, nvml.Return) {
			if i < 0 || i >= len(devs) {
				return nil, nvml.ERROR_INVALID_ARGUMENT
			}
			return devs[i], nvml.SUCCESS
		},
	}
	return []collector.Source{collector.NewNVMLSourceFrom(lib, demoProcs{})}
}

// reading is one device's numbers at one instant.
type reading struct {
	util        float64
	temp        float64
	powerMW     uint32
	smMHz       uint32
	pstate      nvml.Pstates
	throttle    uint64
	procs       []nvml.ProcessInfo
	used, total uint64
}

func (g simGPU) at(t float64) reading {
	u := min(100, max(0, g.load(t)))
	r := reading{util: u, temp: g.idleTemp + g.degPerPct*u, procs: g.procs(t), total: g.total}
	w := g.idleW + g.wattsPerPct*u
	r.powerMW = uint32(min(w*1000, float64(g.limitMW)))
	r.smMHz, r.pstate, r.throttle = uint32(210+16*u), nvml.PSTATE_2, 0
	switch {
	case u < 10:
		r.pstate, r.throttle = nvml.PSTATE_8, nvml.ClocksThrottleReasonGpuIdle
	case w*1000 >= float64(g.limitMW):
		r.smMHz, r.pstate, r.throttle = 1320, nvml.PSTATE_0, nvml.ClocksThrottleReasonSwPowerCap
	}
	for _, p := range r.procs {
		r.used += p.UsedGpuMemory
	}
	r.used += 180 * mib // the driver's own reservation
	return r
}

func mockDevice(g simGPU, start time.Time) *mock.Device {
	now := func() reading { return g.at(time.Since(start).Seconds()) }
	return &mock.Device{
		GetNameFunc: func() (string, nvml.Return) { return g.name, nvml.SUCCESS },
		GetUUIDFunc: func() (string, nvml.Return) { return g.uuid, nvml.SUCCESS },
		GetUtilizationRatesFunc: func() (nvml.Utilization, nvml.Return) {
			r := now()
			return nvml.Utilization{Gpu: uint32(r.util), Memory: uint32(r.util / 2)}, nvml.SUCCESS
		},
		GetMemoryInfoFunc: func() (nvml.Memory, nvml.Return) {
			r := now()
			return nvml.Memory{Total: r.total, Used: r.used, Free: r.total - r.used}, nvml.SUCCESS
		},
		GetMemoryInfo_v2Func: func() (nvml.Memory_v2, nvml.Return) {
			r := now()
			return nvml.Memory_v2{Total: r.total, Used: r.used, Free: r.total - r.used, Reserved: 180 * mib}, nvml.SUCCESS
		},
		GetTemperatureFunc:        func(nvml.TemperatureSensors) (uint32, nvml.Return) { return uint32(now().temp), nvml.SUCCESS },
		GetPowerUsageFunc:         func() (uint32, nvml.Return) { return now().powerMW, nvml.SUCCESS },
		GetEnforcedPowerLimitFunc: func() (uint32, nvml.Return) { return g.limitMW, nvml.SUCCESS },
		GetClockInfoFunc: func(c nvml.ClockType) (uint32, nvml.Return) {
			if c != nvml.CLOCK_SM {
				return 0, nvml.ERROR_NOT_SUPPORTED
			}
			return now().smMHz, nvml.SUCCESS
		},
		GetFanSpeedFunc:                     func() (uint32, nvml.Return) { return uint32(30 + now().util/2), nvml.SUCCESS },
		GetPerformanceStateFunc:             func() (nvml.Pstates, nvml.Return) { return now().pstate, nvml.SUCCESS },
		GetCurrentClocksThrottleReasonsFunc: func() (uint64, nvml.Return) { return now().throttle, nvml.SUCCESS },
		GetComputeRunningProcessesFunc:      func() ([]nvml.ProcessInfo, nvml.Return) { return now().procs, nvml.SUCCESS },
		GetGraphicsRunningProcessesFunc:     func() ([]nvml.ProcessInfo, nvml.Return) { return nil, nvml.SUCCESS },
		// Faults and limits (collector/nvml_faults.go): a full Gen4 x16 link, no ECC
		// errors, NVDEC decoding the cameras, each process's SM share from the load.
		GetCurrPcieLinkGenerationFunc: func() (int, nvml.Return) { return 4, nvml.SUCCESS },
		GetMaxPcieLinkGenerationFunc:  func() (int, nvml.Return) { return 4, nvml.SUCCESS },
		GetCurrPcieLinkWidthFunc:      func() (int, nvml.Return) { return 16, nvml.SUCCESS },
		GetMaxPcieLinkWidthFunc:       func() (int, nvml.Return) { return 16, nvml.SUCCESS },
		GetTotalEccErrorsFunc: func(nvml.MemoryErrorType, nvml.EccCounterType) (uint64, nvml.Return) {
			return 0, nvml.SUCCESS
		},
		GetEncoderUtilizationFunc: func() (uint32, uint32, nvml.Return) { return 0, 167000, nvml.SUCCESS },
		GetDecoderUtilizationFunc: func() (uint32, uint32, nvml.Return) {
			return uint32(min(100, 8+now().util/4)), 167000, nvml.SUCCESS
		},
		GetProcessUtilizationFunc: func(uint64) ([]nvml.ProcessUtilizationSample, nvml.Return) {
			r, ts := now(), uint64(time.Now().UnixMicro())
			out := make([]nvml.ProcessUtilizationSample, 0, len(r.procs))
			for i, p := range r.procs {
				share := r.util * [...]float64{0.7, 0.3, 0}[min(i, 2)]
				out = append(out, nvml.ProcessUtilizationSample{Pid: p.Pid, TimeStamp: ts, SmUtil: uint32(share)})
			}
			return out, nvml.SUCCESS
		},
		GetSupportedEventTypesFunc: func() (uint64, nvml.Return) { return nvml.EventTypeXidCriticalError, nvml.SUCCESS },
		RegisterEventsFunc:         func(uint64, nvml.EventSet) nvml.Return { return nvml.SUCCESS },
	}
}

// quietEventSet is an event set on which no Xid ever arrives: each wait times out.
func quietEventSet() nvml.EventSet {
	return &mock.EventSet{
		WaitFunc: func(ms uint32) (nvml.EventData, nvml.Return) {
			time.Sleep(time.Duration(ms) * time.Millisecond)
			return nvml.EventData{}, nvml.ERROR_TIMEOUT
		},
		FreeFunc: func() nvml.Return { return nvml.SUCCESS },
	}
}
