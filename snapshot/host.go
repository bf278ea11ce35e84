package snapshot

// Host is the machine's own numbers. The first seven keys are the page's and describe
// the root filesystem; Mounts lists every configured mount.
type Host struct {
	CPUPercent  *float64 `json:"cpu_percent"`
	RAMUsedGB   *float64 `json:"ram_used_gb"`
	RAMTotalGB  *float64 `json:"ram_total_gb"`
	RAMPercent  *float64 `json:"ram_percent"`
	DiskUsedGB  *float64 `json:"disk_used_gb"`
	DiskTotalGB *float64 `json:"disk_total_gb"`
	DiskPercent *float64 `json:"disk_percent"`

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
	UsedGB     *float64 `json:"used_gb"`
	TotalGB    *float64 `json:"total_gb"`
	Percent    *float64 `json:"percent"`
	Error      string   `json:"error,omitempty"`
}
