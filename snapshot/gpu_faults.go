package snapshot

import "time"

// ClockEvent is one active clock-event (throttle) reason of a GPU.
type ClockEvent struct {
	// Reason is nvidia-smi's name for it: sw_power_cap, hw_thermal_slowdown, ….
	Reason string `json:"reason"`
	// Words says it for an operator: "power cap", "too hot (hardware)", ….
	Words string `json:"words"`
	// Limiting is whether the reason slows work down because of heat or power (the
	// gpu_throttle rule's reasons), as opposed to idle, sync boost or a clock setting.
	Limiting bool `json:"limiting"`
	// Since is when hsi-top first saw the reason in its current run of ticks.
	Since Time `json:"since"`
	// ActiveSeconds is how long the reason has been active (the snapshot's time − Since).
	ActiveSeconds float64 `json:"active_seconds"`
}

// XidEvent is one Xid error the driver reported for a GPU.
type XidEvent struct {
	At  Time   `json:"at"`
	Xid uint64 `json:"xid"`
	// Meaning names the well-known Xids (79: fell off the bus, 48: double-bit ECC error,
	// 31: GPU memory page fault, 43: GPU stopped processing); "" for the others.
	Meaning string `json:"meaning,omitempty"`
}

// PCIeLink is a GPU's PCIe link, current against the most the GPU and slot allow.
// A field is nil when NVML does not report it.
type PCIeLink struct {
	Gen      *int `json:"gen"`
	MaxGen   *int `json:"max_gen"`
	Width    *int `json:"width"`
	MaxWidth *int `json:"max_width"`
	// ShortfallPercent is how much of the maximum link bandwidth the current link lacks
	// (0: at its maximum; Gen3 x8 on a Gen4 x16 link: 75); nil when a number is missing.
	ShortfallPercent *float64 `json:"shortfall_percent"`
}

// ECCErrors are a GPU's volatile ECC error counts (since the driver last loaded).
type ECCErrors struct {
	VolatileCorrected   *uint64 `json:"volatile_corrected"`
	VolatileUncorrected *uint64 `json:"volatile_uncorrected"`
	// NewInWindow is how many errors (corrected and uncorrected) were added during the
	// last ECCWindowSeconds; nil until a reading that old exists.
	NewInWindow *uint64 `json:"new_in_window"`
}

// ECCWindowSeconds is the window of ECCErrors.NewInWindow and the gpu_ecc rule.
const ECCWindowSeconds = 600

// XidWindowSeconds is the window of the gpu_xid rule: Xids older than this no longer
// count (they stay in the log).
const XidWindowSeconds = 600

// RecentXids counts the Xids of the last XidWindowSeconds before now (the gpu_xid rule's
// value and the /metrics gauge).
func RecentXids(xids []XidEvent, now time.Time) int {
	n := 0
	for _, x := range xids {
		if now.Sub(x.At.Time) <= XidWindowSeconds*time.Second {
			n++
		}
	}
	return n
}

// VRAMLedger is where a GPU's memory goes: the detector, the LLM, other processes, free,
// and what that leaves room for, in words.
type VRAMLedger struct {
	TotalBytes    uint64  `json:"total_bytes"`
	DetectorBytes *uint64 `json:"detector_bytes"`
	LLMBytes      *uint64 `json:"llm_bytes"`
	// LLMKVCacheBytes is the LLM's KV cache part of LLMBytes, when known.
	LLMKVCacheBytes *uint64 `json:"llm_kv_cache_bytes"`
	OtherBytes      uint64  `json:"other_bytes"`
	FreeBytes       uint64  `json:"free_bytes"`
	// Headroom says what fits: "one more detector instance (~1.5 GiB) fits", ….
	Headroom []string `json:"headroom"`
}
