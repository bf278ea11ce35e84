package snapshot

import "strconv"

// GPU is one device, in base units: memory in bytes (MemoryUsedBytes, MemoryTotalBytes),
// percentages and watts unrounded. The page's gpu object (GB, rounded) is wire.GPU.
type GPU struct {
	Name        string   `json:"name"`
	Utilization *float64 `json:"utilization"`
	// VRAMPercent is MemoryUsedBytes of MemoryTotalBytes, in percent.
	VRAMPercent *float64 `json:"vram_percent"`
	Temperature *float64 `json:"temperature"`
	PowerWatts  *float64 `json:"power_watts"`

	Index             int      `json:"index"`
	UUID              string   `json:"uuid,omitempty"`
	MemoryUtilization *float64 `json:"memory_utilization"`
	MemoryUsedBytes   *uint64  `json:"memory_used_bytes"`
	MemoryTotalBytes  *uint64  `json:"memory_total_bytes"`
	MemoryFreeBytes   *uint64  `json:"memory_free_bytes"`
	PowerLimitWatts   *float64 `json:"power_limit_watts"`
	SMClockMHz        *float64 `json:"sm_clock_mhz"`
	FanPercent        *float64 `json:"fan_percent"`
	// PerformanceState is the P-state number (0 = P0, the fastest); nil when unknown.
	PerformanceState *int `json:"performance_state"`
	// ThrottleReasons names the active clock throttle reasons; nil when unsupported.
	ThrottleReasons []string `json:"throttle_reasons"`
	// Processes is the per-process GPU memory, largest first; nil when unknown.
	Processes []GPUProcess `json:"processes"`
	// Services sums Processes by service name, largest first; nil when unknown.
	Services []ServiceVRAM `json:"services"`
	// Source is where these numbers came from: nvml, prometheus or detector.
	Source string `json:"source"`

	// ClockEvents are the active clock-event (throttle) reasons in words, with how long
	// each has been active; nil when unsupported, empty when nothing slows the clocks.
	ClockEvents []ClockEvent `json:"clock_events"`
	// Xids is the short log of Xid errors, newest last; nil when the driver does not
	// deliver Xid events for this GPU, empty when none arrived.
	Xids []XidEvent `json:"xid_events"`
	// PCIe is the link, current against maximum; nil when unsupported.
	PCIe *PCIeLink `json:"pcie"`
	// ECC is the volatile ECC error counts; nil when ECC is off or unsupported.
	ECC *ECCErrors `json:"ecc"`
	// EncoderUtilization and DecoderUtilization are NVENC/NVDEC use in percent.
	EncoderUtilization *float64 `json:"encoder_utilization"`
	DecoderUtilization *float64 `json:"decoder_utilization"`
	// VRAM is the memory ledger with headroom; nil without memory numbers.
	VRAM *VRAMLedger `json:"vram_ledger"`
}

// GPUProcess is one process holding GPU memory.
type GPUProcess struct {
	PID uint32 `json:"pid"`
	// Service is the compose service or container name from /proc/PID/cgroup, else the
	// executable name; "unknown" when the PID is not visible (a container without host PIDs).
	Service   string  `json:"service"`
	Type      string  `json:"type"` // compute, graphics or compute+graphics
	UsedBytes *uint64 `json:"used_bytes"`
	// SMUtilization is the process's share of the SM over the last interval, in percent
	// (nvmlDeviceGetProcessUtilization); nil when NVML has no sample for it.
	SMUtilization *float64 `json:"sm_utilization"`
}

// ServiceVRAM is the GPU memory one service holds on a device. The row named "other" is
// device memory that no listed process accounts for (driver reservations, processes NVML
// does not list); it comes last.
type ServiceVRAM struct {
	Service   string `json:"service"`
	UsedBytes uint64 `json:"used_bytes"`
	Processes int    `json:"processes"`
}

// GPUStatus says where the GPU numbers came from, or in words a user can act on, why
// there are none.
type GPUStatus struct {
	// Source is nvml, prometheus or detector; empty when no source has GPU numbers.
	Source string `json:"source"`
	// Error is why NVML is not used (no driver, version mismatch…) or a device's problem.
	Error string `json:"error,omitempty"`
	// ProcessNote says why per-process service names are unknown, when they are.
	ProcessNote string `json:"process_note,omitempty"`
}

// gpuObjects are the common GPU object names, so naming them does not allocate.
var gpuObjects = [...]string{"gpu0", "gpu1", "gpu2", "gpu3", "gpu4", "gpu5", "gpu6", "gpu7"}

// GPUObject is the Alert.Object of a GPU's alerts: "gpu0", "gpu1", ….
func GPUObject(idx int) string {
	if idx >= 0 && idx < len(gpuObjects) {
		return gpuObjects[idx]
	}
	return "gpu" + strconv.Itoa(idx)
}
