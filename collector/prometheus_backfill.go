package collector

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/history"
)

// ErrPrometheusNotReady is BackfillHistory's error when Prometheus does not answer
// /-/ready: there is nothing to fill from, which is not a failure of hsi-top's.
var ErrPrometheusNotReady = errors.New("prometheus is not ready")

// BackfillSpan is how far back the start-up backfill asks: the longest chart range.
const BackfillSpan = 60 * time.Minute

// backfillStep is the range queries' resolution: the finest bucket (5 s), so that the
// 15 s and 60 s buckets get their min and max from twelve and three values, not one.
const backfillStep = 5 * time.Second

// backfillQuery is one range query of the backfill and the series key its result
// series go to ("" drops a series).
type backfillQuery struct {
	query string
	key   func(labels map[string]string) string
}

// backfillQueries are the charted series Prometheus has: the same metrics the
// Prometheus source reads each tick (promGaugeQuery, promP95Query, promDetectionsQuery),
// already in the charts' units (%, °C, ms, images per minute).
var backfillQueries = []backfillQuery{
	{`hsi_gpu_utilization`, gpuSeriesKey(history.GPUUtilization)},
	{`100 * hsi_gpu_memory_used_mb / hsi_gpu_memory_total_mb`, gpuSeriesKey(history.GPUVRAMPercent)},
	{`hsi_gpu_temperature`, gpuSeriesKey(history.GPUTemperature)},
	{`1000 * ` + promP95Query, stageSeriesKey},
	{promDetectionsQuery, func(map[string]string) string { return history.KeyImagesPerMin }},
}

// gpuSeriesKey keys a GPU gauge's series by the device number in its labels (the index
// the Prometheus source gives the GPU); a device named otherwise is not backfilled.
func gpuSeriesKey(metric string) func(map[string]string) string {
	return func(l map[string]string) string {
		idx, err := strconv.Atoi(gpuKey(l))
		if err != nil || idx < 0 {
			return ""
		}
		return history.GPUKey(idx, metric)
	}
}

// stageSeriesKey keys a per-stage p95 series: detect and analyze are charted.
func stageSeriesKey(l map[string]string) string {
	switch l["stage"] {
	case "detect":
		return history.KeyDetectP95
	case "analyze":
		return history.KeyAnalyzeP95
	}
	return ""
}

// BackfillSamples turns one backfill query's result into samples per series key (pure:
// tested with literal series). Unknown values (NaN, ±Inf, negative) are left out, and
// series that share a key (queue depths per instance would) are summed per time.
func BackfillSamples(q int, series []PromSeries) map[string][]history.Sample {
	if q < 0 || q >= len(backfillQueries) {
		return nil
	}
	byKey := map[string]map[int64]float64{}
	for _, s := range series {
		key := backfillQueries[q].key(s.Labels)
		if key == "" {
			continue
		}
		if byKey[key] == nil {
			byKey[key] = map[int64]float64{}
		}
		for _, p := range s.Points {
			if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) || p.Value < 0 {
				continue
			}
			byKey[key][p.Time.UnixMilli()] += p.Value
		}
	}
	out := make(map[string][]history.Sample, len(byKey))
	for key, at := range byKey {
		samples := make([]history.Sample, 0, len(at))
		for ms, v := range at {
			samples = append(samples, history.Sample{Time: time.UnixMilli(ms).UTC(), Value: v})
		}
		slices.SortFunc(samples, func(a, b history.Sample) int { return a.Time.Compare(b.Time) })
		out[key] = samples
	}
	return out
}

// BackfillReport is what a backfill fetched and filled.
type BackfillReport struct {
	Queries int      // range queries answered
	Bytes   int      // response bytes read
	Points  int      // values received, over every series
	Buckets int      // history buckets filled, over every range
	Keys    []string // series keys that got at least one bucket, sorted
	// Failed are the queries that failed, each with its reason.
	Failed []string
}

// String says the report in words, for the log.
func (r BackfillReport) String() string {
	s := fmt.Sprintf("history backfill from Prometheus: %d buckets of %d series filled from %d values (%d queries, %d bytes)",
		r.Buckets, len(r.Keys), r.Points, r.Queries, r.Bytes)
	if len(r.Failed) > 0 {
		s += "; failed: " + strings.Join(r.Failed, "; ")
	}
	return s
}

// BackfillHistory fills the empty buckets of store's charted series from Prometheus's
// record of the BackfillSpan before before (the start-up time): one range query per
// metric, at the finest resolution, run together. The bucket holding before and every
// bucket that has samples (live or from the state file) are left as they are; what
// Prometheus does not have stays a gap. It fails with ErrPrometheusNotReady when
// Prometheus is not ready, and with the first reason when every query failed; some
// queries failing is reported in the report's Failed.
func BackfillHistory(ctx context.Context, c *PromClient, store *history.Store, before time.Time) (BackfillReport, error) {
	var rep BackfillReport
	if err := c.Ready(ctx); err != nil {
		return rep, fmt.Errorf("%w: /-/ready: %v", ErrPrometheusNotReady, err)
	}
	// The values of the complete 5 s buckets of the span: the bucket holding before is
	// the live ticks'.
	end := before.Truncate(backfillStep).Add(-backfillStep)
	start := end.Add(-BackfillSpan + backfillStep)
	results := make([]map[string][]history.Sample, len(backfillQueries))
	errs := make([]error, len(backfillQueries))
	sizes, points := make([]int, len(backfillQueries)), make([]int, len(backfillQueries))
	var wg sync.WaitGroup
	for i, q := range backfillQueries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			series, n, err := c.queryRange(ctx, q.query, start, end, backfillStep)
			if err != nil {
				errs[i] = fmt.Errorf("%s: %v", q.query, err)
				return
			}
			sizes[i], results[i] = n, BackfillSamples(i, series)
			for _, s := range series {
				points[i] += len(s.Points)
			}
		}()
	}
	wg.Wait()
	filled := map[string]bool{}
	for i := range backfillQueries {
		if errs[i] != nil {
			rep.Failed = append(rep.Failed, errs[i].Error())
			continue
		}
		rep.Queries++
		rep.Bytes += sizes[i]
		rep.Points += points[i]
		for key, samples := range results[i] {
			if n := store.Fill(key, samples, before); n > 0 {
				rep.Buckets += n
				filled[key] = true
			}
		}
	}
	for key := range filled {
		rep.Keys = append(rep.Keys, key)
	}
	slices.Sort(rep.Keys)
	if rep.Queries == 0 {
		return rep, fmt.Errorf("history backfill from Prometheus: every query failed: %v", errs[0])
	}
	return rep, nil
}
