//go:build linux && cgo

package collector

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/hsi-top/hsi-top/snapshot"
)

// NVMLInitRetry is the least time between two attempts to start NVML: a box without a
// driver must not see a retry storm.
const NVMLInitRetry = time.Minute

// nvmlNotAvailable is NVML_VALUE_NOT_AVAILABLE: the process's memory is not reported
// (WDDM, some container setups).
const nvmlNotAvailable = ^uint64(0)

// Fields probed per device. A field whose call answered NOT_SUPPORTED is never called
// again on that device.
const (
	fUtil uint32 = 1 << iota
	fMemory
	fTemp
	fPower
	fPowerLimit
	fSMClock
	fFan
	fPState
	fThrottle
	fCompute
	fGraphics
	fMemoryV2
)

// NVMLSource reads every NVIDIA GPU through NVML: utilization, memory, temperature,
// power, clocks, fan, P-state, throttle reasons, and the GPU memory of each process by
// service name.
type NVMLSource struct {
	lib   nvml.Interface
	procs ProcReader
	now   func() time.Time

	mu          sync.Mutex // serialises Collect and Close
	closed      atomic.Bool
	started     bool
	attempted   bool
	lastAttempt time.Time
	initErr     string
	devices     []*nvmlDevice
	// memoryV2 is whether the library has nvmlDeviceGetMemoryInfo_v2 (driver 510+), whose
	// "used" leaves out the driver's reserved memory, as nvidia-smi reports it.
	memoryV2 bool
	// xid waits for Xid errors in its own goroutine; nil when no device delivers them.
	xid *xidWatcher
	// onXid, when set, is called after each Xid is logged (tests).
	onXid func()
	// AfterFailedStart, when set, is called after an attempt to start NVML failed (on a
	// box without a driver, once a minute): the failed dlopen ran the C library's
	// loader, whose pages the program may hand back (internal/residency).
	AfterFailedStart func()
}

type nvmlDevice struct {
	index       int
	dev         nvml.Device
	name, uuid  string
	unsupported uint32
	lost        bool // a call this tick answered GPU_IS_LOST
	faults      deviceFaults
}

// NewNVMLSource returns the NVML source: every device (which one is the page's gpu
// object, gpu.index, is the resolver's choice). NVML is started on the first
// collection, not here.
func NewNVMLSource() *NVMLSource {
	return newNVMLSource(nvml.New(), NewProcFS("/proc"), time.Now)
}

// NewNVMLSourceFrom returns the NVML source reading lib instead of the driver's library,
// with procs naming the processes: hsi-top demo's simulated GPUs.
func NewNVMLSourceFrom(lib nvml.Interface, procs ProcReader) *NVMLSource {
	return newNVMLSource(lib, procs, time.Now)
}

func newNVMLSource(lib nvml.Interface, procs ProcReader, now func() time.Time) *NVMLSource {
	return &NVMLSource{lib: lib, procs: procs, now: now}
}

// Name returns "nvml".
func (n *NVMLSource) Name() snapshot.SourceName { return snapshot.SourceNVML }

// Close stops every further NVML call, waits for a collection in flight, then shuts
// NVML down.
func (n *NVMLSource) Close() error {
	n.closed.Store(true)
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.started {
		return nil
	}
	n.started = false
	n.xid.close() // before Shutdown: the watcher may be waiting on the event set
	n.xid = nil
	n.devices = nil
	if ret := n.lib.Shutdown(); ret != nvml.SUCCESS {
		return fmt.Errorf("NVML shutdown: %s", ret.Error())
	}
	return nil
}

// Collect starts NVML when needed (at most once a minute) and reads every device. When
// NVML cannot start, the result still applies: the GPU section says why, in words a
// user can act on, and the detector or Prometheus may fill in numbers.
func (n *NVMLSource) Collect(ctx context.Context) (Result, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed.Load() {
		return Result{}, errors.New("NVML source closed")
	}
	if !n.started {
		if n.attempted && n.now().Sub(n.lastAttempt) < NVMLInitRetry {
			return nvmlUnavailable(n.initErr), nil
		}
		n.attempted, n.lastAttempt = true, n.now()
		if err := n.start(); err != nil {
			n.initErr = err.Error()
			if n.AfterFailedStart != nil {
				n.AfterFailedStart()
			}
			return nvmlUnavailable(n.initErr), nil
		}
	}
	now := n.now()
	gpus := make([]snapshot.GPU, 0, len(n.devices))
	var problems []string
	for _, d := range n.devices {
		if err := ctx.Err(); err != nil {
			return Result{}, fmt.Errorf("NVML: %s", ShortError(err))
		}
		if n.closed.Load() {
			return Result{}, errors.New("NVML source closed")
		}
		g, problem := n.readDevice(d, now)
		if problem != "" {
			problems = append(problems, problem)
		}
		gpus = append(gpus, g)
	}
	status := snapshot.GPUStatus{Source: snapshot.ViaNVML, Error: strings.Join(problems, "; ")}
	if !n.procs.HostPIDs() {
		status.ProcessNote = "process names unknown: hsi-top runs in its own PID namespace (give its container pid: host)"
	}
	return Result{Via: snapshot.ViaNVML, Readings: Readings{GPU: &GPUReading{Devices: gpus, Status: status}}}, nil
}

// nvmlUnavailable is the result while NVML cannot start: no devices and the reason.
func nvmlUnavailable(reason string) Result {
	return Result{Via: snapshot.ViaNVML, Readings: Readings{GPU: &GPUReading{Status: snapshot.GPUStatus{Error: reason}}}}
}

// start initialises NVML and enumerates the devices. Name and UUID do not change, so
// they are read once here.
func (n *NVMLSource) start() error {
	if ret := n.lib.Init(); ret != nvml.SUCCESS {
		return initError(ret)
	}
	count, ret := n.lib.DeviceGetCount()
	if ret != nvml.SUCCESS || count == 0 {
		n.lib.Shutdown()
		if ret != nvml.SUCCESS && ret != nvml.ERROR_NOT_FOUND && ret != nvml.ERROR_GPU_NOT_FOUND {
			return initError(ret)
		}
		return errors.New("no NVIDIA GPU found: the driver is loaded but lists no device")
	}
	devices := make([]*nvmlDevice, 0, count)
	for i := range count {
		dev, ret := n.lib.DeviceGetHandleByIndex(i)
		if ret != nvml.SUCCESS {
			continue // a lost or inaccessible device: report the others
		}
		d := &nvmlDevice{index: i, dev: dev}
		if name, ret := dev.GetName(); ret == nvml.SUCCESS {
			d.name = name
		}
		if uuid, ret := dev.GetUUID(); ret == nvml.SUCCESS {
			d.uuid = uuid
		}
		devices = append(devices, d)
	}
	if len(devices) == 0 {
		n.lib.Shutdown()
		return fmt.Errorf("no usable NVIDIA GPU: none of the %d devices could be opened (no permission on /dev/nvidia*?)", count)
	}
	n.devices = devices
	n.started = true
	// Calling a symbol the library lacks would crash the process: look it up first.
	n.memoryV2 = n.lib.Extensions().LookupSymbol("nvmlDeviceGetMemoryInfo_v2") == nil
	n.xid = startXidWatcher(n.lib, devices, n.now, n.onXid)
	return nil
}

// initError says, in words a user can act on, why NVML did not start.
func initError(ret nvml.Return) error {
	switch ret {
	case nvml.ERROR_LIBRARY_NOT_FOUND:
		return errors.New("NVIDIA driver library (libnvidia-ml.so.1) not found: no NVIDIA driver installed, or not mounted into this container")
	case nvml.ERROR_DRIVER_NOT_LOADED:
		return errors.New("NVIDIA driver not loaded: the kernel module is not running (check `nvidia-smi` and `dmesg`)")
	case nvml.ERROR_LIB_RM_VERSION_MISMATCH:
		return errors.New("NVIDIA driver/library version mismatch: reboot after a driver upgrade")
	case nvml.ERROR_NO_PERMISSION:
		return errors.New("no permission to use the NVIDIA GPU: run hsi-top as a user that can open /dev/nvidia*, or pass the devices into this container")
	case nvml.ERROR_NOT_FOUND, nvml.ERROR_GPU_NOT_FOUND:
		return errors.New("no NVIDIA GPU found")
	case nvml.ERROR_FUNCTION_NOT_FOUND:
		return errors.New("NVIDIA driver library too old for hsi-top: upgrade the driver")
	}
	return fmt.Errorf("NVML init failed: %s", ret.Error())
}

// has reports whether field may be called: it has not answered NOT_SUPPORTED before.
func (d *nvmlDevice) has(field uint32) bool { return d.unsupported&field == 0 }

// ok records the answer of a probed call: NOT_SUPPORTED marks the field so it is never
// called again on this device; any other failure leaves the value unknown this tick.
func (d *nvmlDevice) ok(field uint32, ret nvml.Return) bool {
	switch ret {
	case nvml.SUCCESS:
		return true
	case nvml.ERROR_NOT_SUPPORTED:
		d.unsupported |= field
	case nvml.ERROR_GPU_IS_LOST:
		d.lost = true
	}
	return false
}

// readDevice reads one device. problem is set when the device itself failed (lost).
func (n *NVMLSource) readDevice(d *nvmlDevice, now time.Time) (g snapshot.GPU, problem string) {
	g = snapshot.GPU{Index: d.index, Name: d.name, UUID: d.uuid, Source: snapshot.ViaNVML}
	dev := d.dev
	d.lost = false
	if d.has(fUtil) {
		if u, ret := dev.GetUtilizationRates(); d.ok(fUtil, ret) {
			g.Utilization = snapshot.F(float64(u.Gpu))
			g.MemoryUtilization = snapshot.F(float64(u.Memory))
		}
	}
	if d.has(fMemory) {
		if used, total, free, ok := n.memory(d); ok {
			g.MemoryUsedBytes = snapshot.U(used)
			g.MemoryTotalBytes = snapshot.U(total)
			g.MemoryFreeBytes = snapshot.U(free)
			if total > 0 {
				g.VRAMPercent = snapshot.Percent(float64(used), float64(total))
			}
		}
	}
	if d.has(fTemp) {
		if v, ret := dev.GetTemperature(nvml.TEMPERATURE_GPU); d.ok(fTemp, ret) {
			g.Temperature = snapshot.F(float64(v))
		}
	}
	if d.has(fPower) { // NVML reports milliwatts
		if v, ret := dev.GetPowerUsage(); d.ok(fPower, ret) {
			g.PowerWatts = snapshot.F(float64(v) / 1000)
		}
	}
	if d.has(fPowerLimit) {
		if v, ret := dev.GetEnforcedPowerLimit(); d.ok(fPowerLimit, ret) {
			g.PowerLimitWatts = snapshot.F(float64(v) / 1000)
		}
	}
	if d.has(fSMClock) {
		if v, ret := dev.GetClockInfo(nvml.CLOCK_SM); d.ok(fSMClock, ret) {
			g.SMClockMHz = snapshot.F(float64(v))
		}
	}
	if d.has(fFan) {
		if v, ret := dev.GetFanSpeed(); d.ok(fFan, ret) {
			g.FanPercent = snapshot.F(float64(v))
		}
	}
	if d.has(fPState) {
		if ps, ret := dev.GetPerformanceState(); d.ok(fPState, ret) && ps <= nvml.PSTATE_15 {
			v := int(ps)
			g.PerformanceState = &v
		}
	}
	// The deprecated throttle-reason call exists in every driver; its replacement
	// (ClocksEventReasons, driver 535+) would crash an older library on a missing symbol.
	var throttle *uint64
	if d.has(fThrottle) {
		if mask, ret := dev.GetCurrentClocksThrottleReasons(); d.ok(fThrottle, ret) {
			g.ThrottleReasons = throttleReasonNames(mask)
			throttle = &mask
		}
	}
	n.readFaults(d, &g, throttle, now)
	g.Xids = n.xid.log(d.index)
	var compute, graphics []nvml.ProcessInfo
	var okC, okG bool
	if d.has(fCompute) {
		var ret nvml.Return
		compute, ret = dev.GetComputeRunningProcesses()
		okC = d.ok(fCompute, ret)
	}
	if d.has(fGraphics) {
		var ret nvml.Return
		graphics, ret = dev.GetGraphicsRunningProcesses()
		okG = d.ok(fGraphics, ret)
	}
	if okC || okG {
		g.Processes = n.processes(compute, graphics)
		d.processUtilization(g.Processes)
		g.Services = SumServices(g.Processes, g.MemoryUsedBytes)
	}
	if d.lost {
		problem = fmt.Sprintf("GPU %d is lost (fell off the bus): check `nvidia-smi` and `dmesg`", d.index)
	}
	return g, problem
}

// memory reads a device's memory: through the v2 call when the library has it (used
// without the reserved part, matching nvidia-smi's memory.used), else the v1 call (used =
// total - free). A device that rejects v2 falls back to v1 from then on.
func (n *NVMLSource) memory(d *nvmlDevice) (used, total, free uint64, ok bool) {
	if n.memoryV2 && d.has(fMemoryV2) {
		if m, ret := d.dev.GetMemoryInfo_v2(); d.ok(fMemoryV2, ret) {
			return m.Used, m.Total, m.Free, true
		} else if ret == nvml.ERROR_FUNCTION_NOT_FOUND || ret == nvml.ERROR_NOT_SUPPORTED {
			d.unsupported |= fMemoryV2
		}
	}
	m, ret := d.dev.GetMemoryInfo()
	if !d.ok(fMemory, ret) {
		return 0, 0, 0, false
	}
	return m.Used, m.Total, m.Free, true
}

// processes merges the compute and graphics lists (a process in both is one process
// holding its memory once) and names each process's service, largest first.
func (n *NVMLSource) processes(compute, graphics []nvml.ProcessInfo) []snapshot.GPUProcess {
	out := make([]snapshot.GPUProcess, 0, len(compute)+len(graphics))
	byPID := make(map[uint32]int, len(compute)+len(graphics))
	add := func(list []nvml.ProcessInfo, typ string) {
		for _, p := range list {
			var used *uint64
			if p.UsedGpuMemory != nvmlNotAvailable {
				used = snapshot.U(p.UsedGpuMemory)
			}
			if i, ok := byPID[p.Pid]; ok {
				prev := &out[i]
				if prev.Type != typ {
					prev.Type = "compute+graphics"
				}
				if used != nil && (prev.UsedBytes == nil || *used > *prev.UsedBytes) {
					prev.UsedBytes = used
				}
				continue
			}
			byPID[p.Pid] = len(out)
			out = append(out, snapshot.GPUProcess{PID: p.Pid, Type: typ, UsedBytes: used})
		}
	}
	add(compute, "compute")
	add(graphics, "graphics")
	for i := range out {
		out[i].Service = n.procs.ServiceName(out[i].PID)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].UsedBytes, out[j].UsedBytes
		switch {
		case a == nil || b == nil:
			return a != nil && b == nil
		case *a != *b:
			return *a > *b
		}
		return out[i].PID < out[j].PID
	})
	return out
}

// throttleReasonNames names the set bits the way nvidia-smi's clocks_throttle_reasons.*
// fields do; an empty (non-nil) list means nothing throttles.
var throttleReasons = map[uint64]string{
	nvml.ClocksThrottleReasonGpuIdle:                   "gpu_idle",
	nvml.ClocksThrottleReasonApplicationsClocksSetting: "applications_clocks_setting",
	nvml.ClocksThrottleReasonSwPowerCap:                "sw_power_cap",
	nvml.ClocksThrottleReasonHwSlowdown:                "hw_slowdown",
	nvml.ClocksThrottleReasonSyncBoost:                 "sync_boost",
	nvml.ClocksThrottleReasonSwThermalSlowdown:         "sw_thermal_slowdown",
	nvml.ClocksThrottleReasonHwThermalSlowdown:         "hw_thermal_slowdown",
	nvml.ClocksThrottleReasonHwPowerBrakeSlowdown:      "hw_power_brake_slowdown",
	nvml.ClocksThrottleReasonDisplayClockSetting:       "display_clock_setting",
	nvml.ClocksEventReasonBoardLimit:                   "board_limit",
	nvml.ClocksEventReasonReliability:                  "reliability",
}

func throttleReasonNames(mask uint64) []string {
	names := make([]string, 0, bits.OnesCount64(mask))
	for mask != 0 {
		bit := mask & -mask
		mask &^= bit
		if name, ok := throttleReasons[bit]; ok {
			names = append(names, name)
		} else {
			names = append(names, fmt.Sprintf("reason_0x%x", bit))
		}
	}
	return names
}
