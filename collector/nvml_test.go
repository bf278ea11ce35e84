//go:build linux && cgo

package collector

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"

	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
)

// fakeGPU is what one mocked device answers; a set no* flag makes that call answer
// NOT_SUPPORTED.
type fakeGPU struct {
	name, uuid             string
	util                   nvml.Utilization
	mem                    nvml.Memory
	temp, powerMW, limitMW uint32
	smMHz, fan             uint32
	pstate                 nvml.Pstates
	throttle               uint64
	compute, graphics      []nvml.ProcessInfo
	noPower, noFan, noUtil bool
	lost                   bool

	// Faults and limits (nvml_faults.go); noFaults makes every one NOT_SUPPORTED.
	pcie     [4]int // current gen, max gen, current width, max width
	ecc      [2]uint64
	enc, dec uint32
	procUtil []nvml.ProcessUtilizationSample
	noFaults bool
}

func (f fakeGPU) ret(unsupported bool) nvml.Return {
	switch {
	case f.lost:
		return nvml.ERROR_GPU_IS_LOST
	case unsupported:
		return nvml.ERROR_NOT_SUPPORTED
	}
	return nvml.SUCCESS
}

func newMockDevice(f fakeGPU) *mock.Device {
	return &mock.Device{
		GetNameFunc: func() (string, nvml.Return) { return f.name, nvml.SUCCESS },
		GetUUIDFunc: func() (string, nvml.Return) { return f.uuid, nvml.SUCCESS },
		GetUtilizationRatesFunc: func() (nvml.Utilization, nvml.Return) {
			return f.util, f.ret(f.noUtil)
		},
		GetMemoryInfoFunc:  func() (nvml.Memory, nvml.Return) { return f.mem, f.ret(false) },
		GetTemperatureFunc: func(nvml.TemperatureSensors) (uint32, nvml.Return) { return f.temp, f.ret(false) },
		GetPowerUsageFunc:  func() (uint32, nvml.Return) { return f.powerMW, f.ret(f.noPower) },
		GetEnforcedPowerLimitFunc: func() (uint32, nvml.Return) {
			return f.limitMW, f.ret(f.noPower)
		},
		GetClockInfoFunc: func(c nvml.ClockType) (uint32, nvml.Return) {
			if c != nvml.CLOCK_SM {
				return 0, nvml.ERROR_INVALID_ARGUMENT
			}
			return f.smMHz, f.ret(false)
		},
		GetFanSpeedFunc:                     func() (uint32, nvml.Return) { return f.fan, f.ret(f.noFan) },
		GetPerformanceStateFunc:             func() (nvml.Pstates, nvml.Return) { return f.pstate, f.ret(false) },
		GetCurrentClocksThrottleReasonsFunc: func() (uint64, nvml.Return) { return f.throttle, f.ret(false) },
		GetComputeRunningProcessesFunc: func() ([]nvml.ProcessInfo, nvml.Return) {
			return f.compute, f.ret(false)
		},
		GetGraphicsRunningProcessesFunc: func() ([]nvml.ProcessInfo, nvml.Return) {
			return f.graphics, f.ret(false)
		},
		GetCurrPcieLinkGenerationFunc: func() (int, nvml.Return) { return f.pcie[0], f.ret(f.noFaults) },
		GetMaxPcieLinkGenerationFunc:  func() (int, nvml.Return) { return f.pcie[1], f.ret(f.noFaults) },
		GetCurrPcieLinkWidthFunc:      func() (int, nvml.Return) { return f.pcie[2], f.ret(f.noFaults) },
		GetMaxPcieLinkWidthFunc:       func() (int, nvml.Return) { return f.pcie[3], f.ret(f.noFaults) },
		GetTotalEccErrorsFunc: func(t nvml.MemoryErrorType, _ nvml.EccCounterType) (uint64, nvml.Return) {
			return f.ecc[t], f.ret(f.noFaults)
		},
		GetEncoderUtilizationFunc: func() (uint32, uint32, nvml.Return) { return f.enc, 167000, f.ret(f.noFaults) },
		GetDecoderUtilizationFunc: func() (uint32, uint32, nvml.Return) { return f.dec, 167000, f.ret(f.noFaults) },
		GetProcessUtilizationFunc: func(last uint64) ([]nvml.ProcessUtilizationSample, nvml.Return) {
			if f.noFaults {
				return nil, nvml.ERROR_NOT_SUPPORTED
			}
			var out []nvml.ProcessUtilizationSample
			for _, s := range f.procUtil {
				if s.TimeStamp > last {
					out = append(out, s)
				}
			}
			if len(out) == 0 {
				return nil, nvml.ERROR_NOT_FOUND
			}
			return out, f.ret(false)
		},
		GetSupportedEventTypesFunc: func() (uint64, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED },
	}
}

func newMockNVML(devs ...*mock.Device) *mock.Interface {
	return &mock.Interface{
		InitFunc: func() nvml.Return { return nvml.SUCCESS },
		// An older library: no nvmlDeviceGetMemoryInfo_v2, so the v1 call is used.
		ExtensionsFunc: func() nvml.ExtendedInterface {
			return &mock.ExtendedInterface{LookupSymbolFunc: func(string) error { return nvml.ERROR_FUNCTION_NOT_FOUND }}
		},
		ShutdownFunc: func() nvml.Return { return nvml.SUCCESS },
		// No Xid events unless a test sets its own event set (nvml_faults_test.go).
		EventSetCreateFunc: func() (nvml.EventSet, nvml.Return) { return nil, nvml.ERROR_NOT_SUPPORTED },
		DeviceGetCountFunc: func() (int, nvml.Return) { return len(devs), nvml.SUCCESS },
		DeviceGetHandleByIndexFunc: func(i int) (nvml.Device, nvml.Return) {
			if i < 0 || i >= len(devs) {
				return nil, nvml.ERROR_INVALID_ARGUMENT
			}
			return devs[i], nvml.SUCCESS
		},
	}
}

// twoGPUs is an RTX A5500 running llama-server and the detector, and a second card
// whose power and fan readings are not supported.
func twoGPUs() (fakeGPU, fakeGPU) {
	a := fakeGPU{
		name: "NVIDIA RTX A5500", uuid: "GPU-11111111-2222-3333-4444-555555555555",
		util: nvml.Utilization{Gpu: 38, Memory: 21},
		mem:  nvml.Memory{Total: 24 * gib, Used: 20 * gib, Free: 4 * gib},
		temp: 61, powerMW: 118_400, limitMW: 230_000, smMHz: 1740, fan: 44,
		pstate:   nvml.PSTATE_2,
		throttle: nvml.ClocksThrottleReasonSwPowerCap | nvml.ClocksThrottleReasonSwThermalSlowdown,
		compute: []nvml.ProcessInfo{
			{Pid: 5151, UsedGpuMemory: 1536 << 20}, // 1.5 GiB detector
			{Pid: 4242, UsedGpuMemory: 18 * gib},   // llama-server
		},
		graphics: []nvml.ProcessInfo{{Pid: 6161, UsedGpuMemory: 256 << 20}, {Pid: 7777, UsedGpuMemory: 0}},
	}
	b := fakeGPU{
		name: "NVIDIA T400", uuid: "GPU-66666666-7777-8888-9999-000000000000",
		util: nvml.Utilization{Gpu: 3, Memory: 1},
		mem:  nvml.Memory{Total: 4 * gib, Used: gib / 4, Free: 4*gib - gib/4},
		temp: 40, smMHz: 300, pstate: nvml.PSTATE_8,
		noPower: true, noFan: true,
	}
	return a, b
}

func collectApply(t testing.TB, src *NVMLSource) *snapshot.Snapshot { return collectApplyAt(t, src, 0) }

// collectApplyAt is collectApply with gpu.index set to index.
func collectApplyAt(t testing.TB, src *NVMLSource, index int) *snapshot.Snapshot {
	t.Helper()
	res, err := src.Collect(context.Background())
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return Assemble(time.Unix(1_800_000_000, 0), index, map[snapshot.SourceName]Result{src.Name(): res})
}

func TestNVMLTwoGPUs(t *testing.T) {
	a, b := twoGPUs()
	lib := newMockNVML(newMockDevice(a), newMockDevice(b))
	src := newNVMLSource(lib, NewProcFS(standardProc(t)), time.Now)
	defer src.Close()
	s := collectApply(t, src)

	if s.GPUStatus.Source != "nvml" || s.GPUStatus.Error != "" {
		t.Errorf("GPUStatus = %+v, want source nvml and no error", s.GPUStatus)
	}
	if len(s.GPUs) != 2 {
		t.Fatalf("GPUs = %d devices, want 2", len(s.GPUs))
	}
	g := s.GPUs[0]
	checkF := func(name string, got *float64, want float64) {
		t.Helper()
		if got == nil || *got != want {
			t.Errorf("%s = %v, want %v", name, fmtPtr(got), want)
		}
	}
	if g.Name != "NVIDIA RTX A5500" || g.UUID != a.uuid || g.Index != 0 || g.Source != "nvml" {
		t.Errorf("identity = %q %q %d %q", g.Name, g.UUID, g.Index, g.Source)
	}
	checkF("utilization", g.Utilization, 38)
	checkF("memory_utilization", g.MemoryUtilization, 21)
	checkF("vram_used_gb", snapshot.InGiB(g.MemoryUsedBytes), 20)
	checkF("vram_total_gb", snapshot.InGiB(g.MemoryTotalBytes), 24)
	checkF("vram_percent", snapshot.Round(g.VRAMPercent, 2), 83.33)
	checkF("temperature", g.Temperature, 61)
	checkF("power_watts", g.PowerWatts, 118.4)
	checkF("power_limit_watts", g.PowerLimitWatts, 230)
	checkF("sm_clock_mhz", g.SMClockMHz, 1740)
	checkF("fan_percent", g.FanPercent, 44)
	if g.MemoryUsedBytes == nil || *g.MemoryUsedBytes != 20*gib || *g.MemoryTotalBytes != 24*gib || *g.MemoryFreeBytes != 4*gib {
		t.Errorf("memory bytes = %v/%v/%v", g.MemoryUsedBytes, g.MemoryTotalBytes, g.MemoryFreeBytes)
	}
	if g.PerformanceState == nil || *g.PerformanceState != 2 {
		t.Errorf("performance_state = %v, want 2", g.PerformanceState)
	}
	if strings.Join(g.ThrottleReasons, ",") != "sw_power_cap,sw_thermal_slowdown" {
		t.Errorf("throttle_reasons = %v", g.ThrottleReasons)
	}

	// Processes, largest first, named by service.
	wantProcs := []struct {
		pid     uint32
		service string
		used    uint64
		typ     string
	}{
		{4242, "llama-server (docker 3f2a1b4c5d6e)", 18 * gib, "compute"},
		{5151, "ai-detector", 1536 << 20, "compute"},
		{6161, "Xorg", 256 << 20, "graphics"},
		{7777, ServiceUnknown, 0, "graphics"},
	}
	if len(g.Processes) != len(wantProcs) {
		t.Fatalf("processes = %+v", g.Processes)
	}
	for i, w := range wantProcs {
		p := g.Processes[i]
		if p.PID != w.pid || p.Service != w.service || p.UsedBytes == nil || *p.UsedBytes != w.used || p.Type != w.typ {
			t.Errorf("process %d = {%d %q %v %q}, want %+v", i, p.PID, p.Service, fmtU(p.UsedBytes), p.Type, w)
		}
	}
	// Services: 20 GiB used, 19.75 GiB in processes, 0.25 GiB other.
	wantSvc := []snapshot.ServiceVRAM{
		{Service: "llama-server (docker 3f2a1b4c5d6e)", UsedBytes: 18 * gib, Processes: 1},
		{Service: "ai-detector", UsedBytes: 1536 << 20, Processes: 1},
		{Service: "Xorg", UsedBytes: 256 << 20, Processes: 1},
		{Service: ServiceUnknown, UsedBytes: 0, Processes: 1},
		{Service: ServiceOther, UsedBytes: gib / 4},
	}
	if len(g.Services) != len(wantSvc) {
		t.Fatalf("services = %+v", g.Services)
	}
	for i := range wantSvc {
		if g.Services[i] != wantSvc[i] {
			t.Errorf("service %d = %+v, want %+v", i, g.Services[i], wantSvc[i])
		}
	}

	// The second device: power and fan unknown, not 0; no processes → empty lists.
	g2 := s.GPUs[1]
	if g2.Index != 1 || g2.Name != "NVIDIA T400" || g2.PowerWatts != nil || g2.PowerLimitWatts != nil || g2.FanPercent != nil {
		t.Errorf("GPU 1 = %+v, want power and fan nil", g2)
	}
	if g2.ThrottleReasons == nil || len(g2.ThrottleReasons) != 0 {
		t.Errorf("GPU 1 throttle_reasons = %#v, want empty (supported, none active)", g2.ThrottleReasons)
	}

	// The page's gpu object is a copy of device 0.
	if s.GPU == nil || s.GPU.Name != g.Name || s.GPU == &s.GPUs[0] {
		t.Fatalf("gpu = %p %+v, want a copy of device 0", s.GPU, s.GPU)
	}
	js, err := json.Marshal(wire.Performance(s))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js), "SECRET-ARGV-KEY") || strings.Contains(string(js), "api-key") {
		t.Error("an argv entry other than argv[0] reached the snapshot")
	}
	for _, key := range []string{`"name":"NVIDIA RTX A5500"`, `"utilization":38`, `"vram_used_gb":20`, `"vram_total_gb":24`,
		`"vram_percent":83.33`, `"temperature":61`, `"power_watts":118.4`, `"power_watts":null`, `"fan_percent":null`} {
		if !strings.Contains(string(js), key) {
			t.Errorf("snapshot JSON lacks %s", key)
		}
	}
}

func TestNVMLUnsupportedCalledOnce(t *testing.T) {
	a, b := twoGPUs()
	devA, devB := newMockDevice(a), newMockDevice(b)
	src := newNVMLSource(newMockNVML(devA, devB), NewProcFS(standardProc(t)), time.Now)
	defer src.Close()
	for range 3 {
		s := collectApply(t, src)
		if s.GPUs[1].PowerWatts != nil || s.GPUs[1].FanPercent != nil {
			t.Fatalf("unsupported fields not nil: %+v", s.GPUs[1])
		}
	}
	if n := len(devB.GetPowerUsageCalls()); n != 1 {
		t.Errorf("GetPowerUsage on the device without power readings: %d calls over 3 ticks, want 1", n)
	}
	if n := len(devB.GetFanSpeedCalls()); n != 1 {
		t.Errorf("GetFanSpeed on the device without a fan: %d calls over 3 ticks, want 1", n)
	}
	if n := len(devB.GetEnforcedPowerLimitCalls()); n != 1 {
		t.Errorf("GetEnforcedPowerLimit: %d calls, want 1", n)
	}
	if n := len(devA.GetPowerUsageCalls()); n != 3 {
		t.Errorf("GetPowerUsage on the supported device: %d calls, want 3", n)
	}
	if n := len(devB.GetNameCalls()); n != 1 {
		t.Errorf("GetName: %d calls, want 1 (read once at start)", n)
	}
}

func TestNVMLConfiguredIndex(t *testing.T) {
	a, b := twoGPUs()
	src := newNVMLSource(newMockNVML(newMockDevice(a), newMockDevice(b)), NewProcFS(standardProc(t)), time.Now)
	defer src.Close()
	s := collectApplyAt(t, src, 1)
	if s.GPU == nil || s.GPU.Name != "NVIDIA T400" || s.GPU.Index != 1 {
		t.Fatalf("gpu = %+v, want device 1", s.GPU)
	}

	// A device without utilization must not become the page's gpu object (the page
	// drops the whole frame), but stays in the list.
	b.noUtil = true
	src2 := newNVMLSource(newMockNVML(newMockDevice(a), newMockDevice(b)), NewProcFS(standardProc(t)), time.Now)
	defer src2.Close()
	s = collectApplyAt(t, src2, 1)
	if s.GPU != nil {
		t.Errorf("gpu = %+v, want nil for a device without utilization", s.GPU)
	}
	if len(s.GPUs) != 2 || s.GPUStatus.Error == "" {
		t.Errorf("GPUs = %d, status = %+v: want both devices and a reason", len(s.GPUs), s.GPUStatus)
	}

	src3 := newNVMLSource(newMockNVML(newMockDevice(a)), NewProcFS(standardProc(t)), time.Now)
	defer src3.Close()
	if s = collectApplyAt(t, src3, 3); s.GPU != nil || !strings.Contains(s.GPUStatus.Error, "gpu.index 3: no such device (1 found)") {
		t.Errorf("index beyond the devices: gpu = %+v, status = %+v", s.GPU, s.GPUStatus)
	}
}

func TestNVMLInitErrors(t *testing.T) {
	cases := []struct {
		name  string
		init  nvml.Return
		count int
		want  string
	}{
		{"library not found", nvml.ERROR_LIBRARY_NOT_FOUND, 0,
			"NVIDIA driver library (libnvidia-ml.so.1) not found: no NVIDIA driver installed, or not mounted into this container"},
		{"driver not loaded", nvml.ERROR_DRIVER_NOT_LOADED, 0, "NVIDIA driver not loaded"},
		{"version mismatch", nvml.ERROR_LIB_RM_VERSION_MISMATCH, 0, "reboot after a driver upgrade"},
		{"no permission", nvml.ERROR_NO_PERMISSION, 0, "no permission"},
		{"no devices", nvml.SUCCESS, 0, "no NVIDIA GPU found"},
		{"other", nvml.ERROR_UNKNOWN, 0, "NVML init failed: ERROR_UNKNOWN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lib := newMockNVML()
			lib.InitFunc = func() nvml.Return { return c.init }
			lib.DeviceGetCountFunc = func() (int, nvml.Return) { return c.count, nvml.SUCCESS }
			src := newNVMLSource(lib, NewProcFS(t.TempDir()), time.Now)
			s := collectApply(t, src)
			if !strings.Contains(s.GPUStatus.Error, c.want) {
				t.Errorf("GPUStatus.Error = %q, want it to contain %q", s.GPUStatus.Error, c.want)
			}
			if s.GPU != nil || s.GPUs == nil || len(s.GPUs) != 0 || s.GPUStatus.Source != "" {
				t.Errorf("gpu = %v, gpus = %#v, source %q: want no GPU", s.GPU, s.GPUs, s.GPUStatus.Source)
			}
			if err := src.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			// Shutdown only balances an Init that succeeded (no devices: at once).
			wantShutdown := 0
			if c.init == nvml.SUCCESS {
				wantShutdown = 1
			}
			if n := len(lib.ShutdownCalls()); n != wantShutdown {
				t.Errorf("Shutdown calls = %d, want %d", n, wantShutdown)
			}
		})
	}
}

func TestNVMLInitRetryAtMostOnceAMinute(t *testing.T) {
	now := time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a, _ := twoGPUs()
	lib := newMockNVML(newMockDevice(a))
	lib.InitFunc = func() nvml.Return { return nvml.ERROR_DRIVER_NOT_LOADED }
	src := newNVMLSource(lib, NewProcFS(standardProc(t)), clock)
	defer src.Close()
	failedStarts := 0
	src.AfterFailedStart = func() { failedStarts++ }

	for _, step := range []time.Duration{0, 5 * time.Second, 30 * time.Second, 24 * time.Second} { // up to 59s
		now = now.Add(step)
		s := collectApply(t, src)
		if !strings.Contains(s.GPUStatus.Error, "driver not loaded") {
			t.Fatalf("GPUStatus.Error = %q", s.GPUStatus.Error)
		}
	}
	if n := len(lib.InitCalls()); n != 1 {
		t.Fatalf("Init called %d times within a minute, want 1", n)
	}
	now = now.Add(time.Second) // 60 s after the first attempt
	collectApply(t, src)
	if n := len(lib.InitCalls()); n != 2 || failedStarts != 2 {
		t.Fatalf("Init called %d times after a minute, want 2, each failure handed on (%d)", n, failedStarts)
	}
	// The driver comes back: the next attempt, a minute later, finds the device.
	lib.InitFunc = func() nvml.Return { return nvml.SUCCESS }
	now = now.Add(30 * time.Second)
	if s := collectApply(t, src); len(s.GPUs) != 0 {
		t.Fatal("retried before a minute passed")
	}
	now = now.Add(30 * time.Second)
	s := collectApply(t, src)
	if len(s.GPUs) != 1 || s.GPUStatus.Error != "" || s.GPUStatus.Source != "nvml" {
		t.Fatalf("after recovery: %d GPUs, status %+v", len(s.GPUs), s.GPUStatus)
	}
	collectApply(t, src)
	if failedStarts != 2 {
		t.Errorf("a start that succeeded was handed on as failed: %d", failedStarts)
	}
	if n := len(lib.InitCalls()); n != 3 {
		t.Errorf("Init calls = %d, want 3 (no re-init once started)", n)
	}
}

func TestNVMLCloseStopsCalls(t *testing.T) {
	a, _ := twoGPUs()
	dev := newMockDevice(a)
	lib := newMockNVML(dev)
	src := newNVMLSource(lib, NewProcFS(standardProc(t)), time.Now)
	collectApply(t, src)
	if err := src.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := len(lib.ShutdownCalls()); n != 1 {
		t.Fatalf("Shutdown calls = %d, want 1", n)
	}
	calls := len(dev.GetUtilizationRatesCalls())
	if _, err := src.Collect(context.Background()); err == nil {
		t.Error("Collect after Close succeeded")
	}
	if len(dev.GetUtilizationRatesCalls()) != calls || len(lib.InitCalls()) != 1 {
		t.Error("NVML was called after Close")
	}
	if err := src.Close(); err != nil || len(lib.ShutdownCalls()) != 1 {
		t.Errorf("second Close: err %v, Shutdown calls %d", err, len(lib.ShutdownCalls()))
	}
}

func TestNVMLLostGPUAndMergedProcesses(t *testing.T) {
	a, b := twoGPUs()
	b.lost = true
	// A process in both lists (a CUDA app drawing with OpenGL) holds its memory once.
	a.graphics = []nvml.ProcessInfo{{Pid: 4242, UsedGpuMemory: 18 * gib}, {Pid: 6161, UsedGpuMemory: ^uint64(0)}}
	src := newNVMLSource(newMockNVML(newMockDevice(a), newMockDevice(b)), NewProcFS(standardProc(t)), time.Now)
	defer src.Close()
	s := collectApply(t, src)
	if !strings.Contains(s.GPUStatus.Error, "GPU 1 is lost") {
		t.Errorf("GPUStatus.Error = %q, want the lost device named", s.GPUStatus.Error)
	}
	if s.GPU == nil || s.GPU.Index != 0 {
		t.Errorf("the healthy device 0 must still be the page's gpu: %+v", s.GPU)
	}
	if g := s.GPUs[1]; g.Utilization != nil || g.MemoryUsedBytes != nil || g.Name != "NVIDIA T400" {
		t.Errorf("lost device = %+v, want its name and no numbers", g)
	}
	procs := s.GPUs[0].Processes
	if len(procs) != 3 || procs[0].PID != 4242 || procs[0].Type != "compute+graphics" || *procs[0].UsedBytes != 18*gib {
		t.Fatalf("processes = %+v", procs)
	}
	if last := procs[2]; last.PID != 6161 || last.UsedBytes != nil {
		t.Errorf("a process whose memory NVML does not report: %+v, want used_bytes nil, listed last", last)
	}
}

func TestNVMLNestedPIDNamespace(t *testing.T) {
	a, _ := twoGPUs()
	root := fakeProc(t, "100\t7", map[uint32]fakeProcEntry{4242: {cgroup: str("0::/"), cmdline: str("/bin/sh\x00")}})
	src := newNVMLSource(newMockNVML(newMockDevice(a)), NewProcFS(root), time.Now)
	defer src.Close()
	s := collectApply(t, src)
	for _, p := range s.GPUs[0].Processes {
		if p.Service != ServiceUnknown {
			t.Errorf("pid %d named %q from another PID namespace", p.PID, p.Service)
		}
	}
	if !strings.Contains(s.GPUStatus.ProcessNote, "pid: host") {
		t.Errorf("ProcessNote = %q, want the reason the names are unknown", s.GPUStatus.ProcessNote)
	}
}

func TestThrottleReasonNames(t *testing.T) {
	if got := throttleReasonNames(0); got == nil || len(got) != 0 {
		t.Errorf("no reason: %#v, want empty non-nil", got)
	}
	got := throttleReasonNames(nvml.ClocksThrottleReasonGpuIdle | nvml.ClocksThrottleReasonHwSlowdown | 1<<40)
	if strings.Join(got, ",") != "gpu_idle,hw_slowdown,reason_0x10000000000" {
		t.Errorf("names = %v", got)
	}
}

// BenchmarkNVMLCollect is one collection of two mocked GPUs with four processes,
// including the /proc reads that name them.
func BenchmarkNVMLCollect(b *testing.B) {
	a, c := twoGPUs()
	src := newNVMLSource(newMockNVML(newMockDevice(a), newMockDevice(c)), NewProcFS(standardProc(b)), time.Now)
	defer src.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.Collect(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// With a library that has nvmlDeviceGetMemoryInfo_v2, used memory leaves out the
// driver's reserved part, as nvidia-smi's memory.used does; a device that answers
// NOT_SUPPORTED for v2 falls back to v1 and is not asked for v2 again.
func TestNVMLMemoryV2(t *testing.T) {
	a, _ := twoGPUs()
	dev := newMockDevice(a)
	v2calls := 0
	v2ret := nvml.SUCCESS
	dev.GetMemoryInfo_v2Func = func() (nvml.Memory_v2, nvml.Return) {
		v2calls++
		return nvml.Memory_v2{Total: 24 * gib, Reserved: gib / 2, Used: 19 * gib, Free: 4*gib + gib/2}, v2ret
	}
	lib := newMockNVML(dev)
	lib.ExtensionsFunc = func() nvml.ExtendedInterface {
		return &mock.ExtendedInterface{LookupSymbolFunc: func(string) error { return nil }}
	}
	src := newNVMLSource(lib, NewProcFS(standardProc(t)), time.Now)
	defer src.Close()
	s := collectApply(t, src)
	g := s.GPUs[0]
	if *g.MemoryUsedBytes != 19*gib || *g.MemoryFreeBytes != 4*gib+gib/2 || *snapshot.Round(g.VRAMPercent, 2) != 79.17 {
		t.Errorf("v2 memory: used %d free %d percent %v", *g.MemoryUsedBytes, *g.MemoryFreeBytes, *g.VRAMPercent)
	}
	v2ret = nvml.ERROR_NOT_SUPPORTED
	s = collectApply(t, src)
	if *s.GPUs[0].MemoryUsedBytes != 20*gib {
		t.Errorf("fallback to v1: used %d, want %d", *s.GPUs[0].MemoryUsedBytes, 20*gib)
	}
	collectApply(t, src)
	if v2calls != 2 {
		t.Errorf("v2 called %d times, want 2 (never again after NOT_SUPPORTED)", v2calls)
	}
}
