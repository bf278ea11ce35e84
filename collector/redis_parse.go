package collector

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// RedisInfo holds the INFO fields hsi-top reads. Each pointer is nil when the field is
// missing or malformed.
type RedisInfo struct {
	Version          string
	ConnectedClients *int64
	BlockedClients   *int64
	UsedMemory       *int64 // bytes
	MaxMemory        *int64 // bytes; 0 means no limit
	EvictedKeys      *int64
	OpsPerSec        *float64
	KeyspaceHits     *int64
	KeyspaceMisses   *int64
}

// ParseRedisInfo parses the text of the INFO command ("# Section" headers and
// "field:value" lines, CRLF or LF).
func ParseRedisInfo(text string) RedisInfo {
	var info RedisInfo
	for line := range strings.Lines(text) { // substrings of text: no copy per line
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch key {
		case "redis_version":
			info.Version = CleanText(val, 32)
		case "connected_clients":
			info.ConnectedClients = parseCount(val)
		case "blocked_clients":
			info.BlockedClients = parseCount(val)
		case "used_memory":
			info.UsedMemory = parseCount(val)
		case "maxmemory":
			info.MaxMemory = parseCount(val)
		case "evicted_keys":
			info.EvictedKeys = parseCount(val)
		case "keyspace_hits":
			info.KeyspaceHits = parseCount(val)
		case "keyspace_misses":
			info.KeyspaceMisses = parseCount(val)
		case "instantaneous_ops_per_sec":
			if f, err := strconv.ParseFloat(val, 64); err == nil && f >= 0 && !math.IsInf(f, 0) {
				info.OpsPerSec = &f
			}
		}
	}
	return info
}

func parseCount(s string) *int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return nil
	}
	return &n
}

// HitRatio returns hits/(hits+misses)*100 over the interval between two samples of the
// cumulative counters, after removing the lookups hsi-top itself made (ownHits,
// ownMisses) in between. It is unknown (ok false) with no lookups in the interval, when
// a counter went backwards (CONFIG RESETSTAT or a restart), or without a previous sample.
func HitRatio(prevHits, prevMisses, hits, misses, ownHits, ownMisses int64) (float64, bool) {
	if hits < prevHits || misses < prevMisses {
		return 0, false
	}
	dh := max(0, hits-prevHits-ownHits)
	dm := max(0, misses-prevMisses-ownMisses)
	if dh+dm == 0 {
		return 0, false
	}
	return float64(dh) / float64(dh+dm) * 100, true
}

// LatencySummary is avg/p95/p99 of a sample list.
type LatencySummary struct {
	Avg, P95, P99 float64
	Count         int
}

// ParseLatencySamples turns the strings of a Redis latency list into finite,
// non-negative numbers, dropping any entry that is not one.
func ParseLatencySamples(items []string) []float64 {
	out := make([]float64, 0, len(items))
	for _, it := range items {
		f, err := strconv.ParseFloat(strings.TrimSpace(it), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			continue
		}
		out = append(out, f)
	}
	return out
}

// SummarizeLatency returns the mean and the 95th and 99th percentiles of samples; ok is
// false for an empty list. samples is sorted in place.
func SummarizeLatency(samples []float64) (LatencySummary, bool) {
	if len(samples) == 0 {
		return LatencySummary{}, false
	}
	sort.Float64s(samples)
	sum := 0.0
	for _, v := range samples {
		sum += v
	}
	return LatencySummary{
		Avg:   sum / float64(len(samples)),
		P95:   Percentile(samples, 95),
		P99:   Percentile(samples, 99),
		Count: len(samples),
	}, true
}

// Percentile returns the p-th percentile (0–100) of sorted samples with linear
// interpolation between the closest ranks: rank = p/100*(n-1), the method of NumPy's
// default and Excel's PERCENTILE.INC. It returns NaN for no samples.
func Percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	if n == 1 || p <= 0 {
		return sorted[0]
	}
	if p >= 100 {
		return sorted[n-1]
	}
	rank := p / 100 * float64(n-1)
	lo := int(math.Floor(rank))
	frac := rank - float64(lo)
	if lo+1 >= n {
		return sorted[n-1]
	}
	return sorted[lo] + frac*(sorted[lo+1]-sorted[lo])
}
