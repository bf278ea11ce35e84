package snapshot

// Host is the machine's own numbers, in bytes and unrounded percentages; Mounts lists
// every configured mount ("/" first).
type Host struct {
	CPUPercent *float64 `json:"cpu_percent"`
	// MemoryUsedBytes is MemTotal − MemAvailable; MemoryTotalBytes is MemTotal (as free).
	MemoryUsedBytes  *uint64  `json:"memory_used_bytes"`
	MemoryTotalBytes *uint64  `json:"memory_total_bytes"`
	RAMPercent       *float64 `json:"ram_percent"`
	// DiskUsedBytes, DiskTotalBytes and DiskPercent are the root filesystem's.
	DiskUsedBytes  *uint64  `json:"disk_used_bytes"`
	DiskTotalBytes *uint64  `json:"disk_total_bytes"`
	DiskPercent    *float64 `json:"disk_percent"`

	CPUPerCore []float64 `json:"cpu_per_core"`
	CPUCount   int       `json:"cpu_count"`
	// Load is the 1, 5 and 15 minute load average; nil when unknown.
	Load          []float64 `json:"load_avg"`
	NetRxBytesSec *float64  `json:"net_rx_bytes_per_sec"`
	NetTxBytesSec *float64  `json:"net_tx_bytes_per_sec"`
	UptimeSeconds *float64  `json:"uptime_seconds"`
	Mounts        []Mount   `json:"mounts"`
}

// Mount is one filesystem's usage.
type Mount struct {
	Path       string   `json:"path"`
	UsedBytes  uint64   `json:"used_bytes"`
	TotalBytes uint64   `json:"total_bytes"`
	Percent    *float64 `json:"percent"`
	Error      string   `json:"error,omitempty"`
}
