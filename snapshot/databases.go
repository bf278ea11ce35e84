package snapshot

// Databases is the page's databases object.
type Databases struct {
	PostgreSQL PostgreSQL `json:"postgresql"`
	Redis      Redis      `json:"redis"`
}

// PostgreSQL is the database card. The first five keys are the page's.
type PostgreSQL struct {
	Status             string   `json:"status"`
	ConnectionsActive  *int64   `json:"connections_active"`
	ConnectionsMax     *int64   `json:"connections_max"`
	CacheHitRatio      *float64 `json:"cache_hit_ratio"`
	TransactionsPerMin *float64 `json:"transactions_per_min"`

	// ConnectionsActive (above) leaves out hsi-top's own query; ConnectionsTotal counts
	// every client backend of the server, hsi-top's included.
	ConnectionsTotal *int64 `json:"connections_total"`
	// ConnectionsMaxSource is "max_connections" or "configured pool size".
	ConnectionsMaxSource string   `json:"connections_max_source,omitempty"`
	DatabaseSizeBytes    *int64   `json:"database_size_bytes"`
	LongestTxSeconds     *float64 `json:"longest_transaction_seconds"`
	PingMS               *float64 `json:"ping_ms"`
	Error                string   `json:"error,omitempty"`
}

// Why a Redis hit ratio is unknown (Redis.HitRatioNote).
const (
	// HitRatioNoLookups: nothing was looked up in the interval, so nothing missed.
	HitRatioNoLookups = "no lookups in the interval"
	// HitRatioFirstSample: a ratio over an interval needs two samples of the counters.
	HitRatioFirstSample = "first sample"
	// HitRatioCountersReset: a counter went back (a Redis restart or CONFIG RESETSTAT).
	HitRatioCountersReset = "counters reset"
	// HitRatioNoCounters: INFO carried no keyspace_hits/keyspace_misses.
	HitRatioNoCounters = "no keyspace counters in INFO"
)

// Redis is the Redis card. The first five keys are the page's.
type Redis struct {
	Status           string `json:"status"`
	ConnectedClients *int64 `json:"connected_clients"`
	// MemoryUsedBytes is INFO's used_memory.
	MemoryUsedBytes *int64 `json:"memory_used_bytes"`
	// HitRatio is hits/(hits+misses)*100 over the last interval; nil with no lookups.
	HitRatio       *float64 `json:"hit_ratio"`
	BlockedClients *int64   `json:"blocked_clients"`
	// HitRatioNote says why HitRatio is unknown (one of the HitRatio… constants); empty
	// when it is known.
	HitRatioNote string `json:"hit_ratio_note,omitempty"`

	// MaxMemoryBytes is Redis's maxmemory setting; 0 means no limit, as Redis reports it.
	MaxMemoryBytes *int64   `json:"maxmemory_bytes"`
	EvictedKeys    *int64   `json:"evicted_keys"`
	OpsPerSecond   *float64 `json:"ops_per_second"`
	Version        string   `json:"version,omitempty"`
	PingMS         *float64 `json:"ping_ms"`
	Error          string   `json:"error,omitempty"`
}
