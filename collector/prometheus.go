package collector

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// PromClient is a small typed client for the Prometheus HTTP API: /-/ready,
// /api/v1/query and /api/v1/query_range (the history backfill at start-up). It is
// hand-written rather than github.com/prometheus/client_golang/api because hsi-top needs
// three GET endpoints and the JSON shape of their answers (ParsePromVector,
// ParsePromMatrix), while client_golang
// would add its model packages and transport for that; this way every request also goes
// through the shared HTTPClient (deadline, body limit, short errors).
type PromClient struct {
	base string
	http *HTTPClient
}

// NewPromClient returns a client for the Prometheus at baseURL whose requests never
// outlive timeout.
func NewPromClient(baseURL string, timeout time.Duration) *PromClient {
	return &PromClient{base: strings.TrimRight(baseURL, "/"), http: NewHTTPClient(timeout)}
}

// Ready asks GET /-/ready; nil means Prometheus is up and serving queries.
func (c *PromClient) Ready(ctx context.Context) error {
	resp, err := c.http.Get(ctx, c.base+"/-/ready", nil)
	if err != nil {
		return err
	}
	if resp.Status != 200 {
		return fmt.Errorf("not ready (HTTP %d)", resp.Status)
	}
	return nil
}

// Query runs an instant query; a zero at means now.
func (c *PromClient) Query(ctx context.Context, q string, at time.Time) ([]PromSample, error) {
	v := url.Values{"query": {q}}
	if !at.IsZero() {
		v.Set("time", formatPromTime(at))
	}
	body, err := c.get(ctx, "/api/v1/query", v)
	if err != nil {
		return nil, err
	}
	return ParsePromVector(body)
}

// QueryRange runs a range query from start to end at step resolution.
func (c *PromClient) QueryRange(ctx context.Context, q string, start, end time.Time, step time.Duration) ([]PromSeries, error) {
	series, _, err := c.queryRange(ctx, q, start, end, step)
	return series, err
}

// queryRange is QueryRange that also returns how many bytes the answer had.
func (c *PromClient) queryRange(ctx context.Context, q string, start, end time.Time, step time.Duration) ([]PromSeries, int, error) {
	if step <= 0 || !end.After(start) {
		return nil, 0, fmt.Errorf("query_range: step %s from %s to %s is not a range", step, start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	v := url.Values{
		"query": {q}, "start": {formatPromTime(start)}, "end": {formatPromTime(end)},
		"step": {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
	}
	body, err := c.get(ctx, "/api/v1/query_range", v)
	if err != nil {
		return nil, 0, err
	}
	series, err := ParsePromMatrix(body)
	return series, len(body), err
}

// CloseIdle releases idle connections.
func (c *PromClient) CloseIdle() { c.http.CloseIdle() }

func (c *PromClient) get(ctx context.Context, path string, v url.Values) ([]byte, error) {
	resp, err := c.http.Get(ctx, c.base+path+"?"+v.Encode(), nil)
	if err != nil {
		return nil, err
	}
	switch resp.Status {
	case 200:
		return resp.Body, nil
	case 400, 422, 503: // API errors carry a JSON body with Prometheus's reason
		var env promEnvelope
		if json.Unmarshal(resp.Body, &env) == nil && env.Status == "error" && env.Error != "" {
			return nil, fmt.Errorf("HTTP %d: %s: %s", resp.Status, env.ErrorType, CleanText(env.Error, 200))
		}
	}
	return nil, fmt.Errorf("HTTP %d", resp.Status)
}

func formatPromTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', 3, 64)
}

// PromQL hsi-top runs each tick. The per-stage histogram queries group by stage so one
// query answers for detect, analyze and total at once (the same numbers as
// histogram_quantile(0.95, sum by (le) (rate(…{stage="detect"}[5m]))) per stage).
const (
	promGaugeQuery = `{__name__=~"hsi_gpu_utilization|hsi_gpu_memory_used_mb|hsi_gpu_memory_total_mb|hsi_gpu_temperature|` +
		`hsi_detection_queue_depth|hsi_analysis_queue_depth|hsi_worker_status|hsi_(detect|analyze|total|pipeline)_latency_(avg|p95|p99)_ms"}`
	promP95Query        = `histogram_quantile(0.95, sum by (le, stage) (rate(hsi_stage_duration_seconds_bucket[5m])))`
	promP99Query        = `histogram_quantile(0.99, sum by (le, stage) (rate(hsi_stage_duration_seconds_bucket[5m])))`
	promAvgQuery        = `sum by (stage) (rate(hsi_stage_duration_seconds_sum[5m])) / sum by (stage) (rate(hsi_stage_duration_seconds_count[5m]))`
	promDetectionsQuery = `sum(rate(hsi_detections_processed_total[5m])) * 60`
	promEventsQuery     = `sum(rate(hsi_events_created_total[5m])) * 60`
)

// PrometheusSource takes GPU, queue depth, latency, throughput and (as a fallback) worker
// numbers from Prometheus while it is ready. Readiness (/-/ready) is checked at the first
// collection; a ready answer is cached and checked again every Recheck and right after
// a query failed, a failed one is checked again at the next collection. While it is not
// ready the source fails at once, so the direct sources' numbers stand.
type PrometheusSource struct {
	client  *PromClient
	recheck time.Duration
	// Now is the clock for the readiness cache; time.Now when nil.
	Now func() time.Time
	// MinQueryInterval, when set, is the least time between two rounds of queries; a
	// collection sooner returns the last round's answer. Prometheus's samples change once
	// per scrape (15 s by default) and its quantiles cover 5 minutes, so asking every
	// second of a 1 s interval would cost six queries a second for the same numbers.
	MinQueryInterval time.Duration
	mu               sync.Mutex
	checked          bool
	checkedAt        time.Time
	readyErr         error
	last             *Result // the last round's answer, reused within MinQueryInterval
	lastAt           time.Time
}

// NewPrometheusSource returns a source for the Prometheus of cfg (readiness rechecked
// every cfg.Recheck, queries at most every PromMinQueryInterval) whose requests never
// outlive t.Request.
func NewPrometheusSource(cfg config.PrometheusConfig, t Timeouts) *PrometheusSource {
	recheck := cfg.Recheck.D()
	if recheck <= 0 {
		recheck = time.Minute
	}
	return &PrometheusSource{client: NewPromClient(cfg.URL.Value(), t.Request), recheck: recheck, MinQueryInterval: PromMinQueryInterval}
}

// Name returns "prometheus".
func (p *PrometheusSource) Name() snapshot.SourceName { return snapshot.SourcePrometheus }

// Close releases idle connections.
func (p *PrometheusSource) Close() error { p.client.CloseIdle(); return nil }

func (p *PrometheusSource) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// ready returns the readiness. Only a ready answer is cached (for the recheck period,
// or until a query fails): a failed check is asked again at the next collection, so a
// Prometheus that comes back wins again within a tick, and a "not ready" reason is
// always this collection's own answer, never a cached one.
func (p *PrometheusSource) ready(ctx context.Context) error {
	p.mu.Lock()
	useCache := p.checked && p.readyErr == nil && p.now().Sub(p.checkedAt) < p.recheck
	p.mu.Unlock()
	if useCache {
		return nil
	}
	err := p.client.Ready(ctx)
	p.mu.Lock()
	p.checked, p.checkedAt, p.readyErr = true, p.now(), err
	p.mu.Unlock()
	return err
}

// invalidate forces a readiness check and a new round of queries at the next collection.
func (p *PrometheusSource) invalidate() {
	p.mu.Lock()
	p.checked = false
	p.last = nil
	p.mu.Unlock()
}

// Collect runs the queries while Prometheus is ready.
func (p *PrometheusSource) Collect(ctx context.Context) (Result, error) {
	if err := p.ready(ctx); err != nil {
		return Result{}, fmt.Errorf("prometheus /-/ready: %v", err)
	}
	p.mu.Lock()
	if p.last != nil && p.now().Sub(p.lastAt) < p.MinQueryInterval {
		last := *p.last
		p.mu.Unlock()
		return last, nil
	}
	p.mu.Unlock()
	queries := []string{promGaugeQuery, promP95Query, promP99Query, promAvgQuery, promDetectionsQuery, promEventsQuery}
	results := make([][]PromSample, len(queries))
	errs := make([]error, len(queries))
	var wg sync.WaitGroup
	for i, q := range queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = p.client.Query(ctx, q, time.Time{})
		}()
	}
	wg.Wait()
	failed := 0
	var firstErr error
	for _, err := range errs {
		if err != nil {
			failed++
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if failed > 0 {
		p.invalidate()
	}
	if failed == len(queries) {
		return Result{}, fmt.Errorf("prometheus query: %v", firstErr)
	}
	r := BuildPromSections(results[0], results[1], results[2], results[3], results[4], results[5])
	res := Result{Via: snapshot.ViaPrometheus, Readings: r.readings()}
	p.mu.Lock()
	if failed == 0 {
		p.last, p.lastAt = &res, p.now()
	} else {
		p.last = nil
	}
	p.mu.Unlock()
	return res, nil
}

// PromSections is what one round of queries found; nil parts are unknown.
type PromSections struct {
	GPUs    []snapshot.GPU
	Parts   InferenceReadings
	Workers []snapshot.Worker
}

// BuildPromSections turns the query results into sections (pure: tested with literal
// samples). gauges is the result of the gauge selector; p95, p99 and avg the per-stage
// histogram results in seconds; detections and events the throughput per minute.
func BuildPromSections(gauges, p95, p99, avg, detections, events []PromSample) PromSections {
	var out PromSections
	g := map[string][]PromSample{}
	for _, s := range gauges {
		g[s.Labels["__name__"]] = append(g[s.Labels["__name__"]], s)
	}
	out.GPUs = promGPUs(g)

	stageLat := func(stages ...string) *snapshot.Latency {
		for _, st := range stages {
			l := snapshot.Latency{
				Avg: msFromSeconds(avg, st), P95: msFromSeconds(p95, st), P99: msFromSeconds(p99, st),
				Window: "5m", Source: snapshot.ViaPrometheus,
			}
			if l.Avg != nil || l.P95 != nil || l.P99 != nil {
				return &l
			}
		}
		for _, st := range stages { // the json-exporter's gauges
			l := snapshot.Latency{
				Avg: gaugeValue(g["hsi_"+st+"_latency_avg_ms"]), P95: gaugeValue(g["hsi_"+st+"_latency_p95_ms"]),
				P99: gaugeValue(g["hsi_"+st+"_latency_p99_ms"]), Source: snapshot.ViaPrometheus,
			}
			if l.Avg != nil || l.P95 != nil || l.P99 != nil {
				return &l
			}
		}
		return nil
	}
	out.Parts.Detect = stageLat("detect")
	out.Parts.Analyze = stageLat("analyze")
	out.Parts.Pipeline = stageLat("total", "pipeline")

	det, ana := gaugeSum(g["hsi_detection_queue_depth"]), gaugeSum(g["hsi_analysis_queue_depth"])
	if det != nil || ana != nil {
		q := snapshot.Queues{Source: snapshot.ViaPrometheus}
		if det != nil {
			q.Detection, q.DetectionKey = snapshot.I(int64(math.Round(*det))), "hsi_detection_queue_depth"
		}
		if ana != nil {
			q.Analysis, q.AnalysisKey = snapshot.I(int64(math.Round(*ana))), "hsi_analysis_queue_depth"
		}
		out.Parts.Queues = &q
	}
	img, evt := gaugeSum(detections), gaugeSum(events)
	if img != nil || evt != nil {
		out.Parts.Throughput = &snapshot.Throughput{
			ImagesPerMin: img, EventsPerMin: evt, Source: snapshot.ViaPrometheus,
		}
	}
	for _, s := range g["hsi_worker_status"] {
		name := s.Labels["worker_name"]
		state, ok := WorkerStatusName(s.Value)
		if name == "" || !ok || len(out.Workers) == maxWorkers {
			continue
		}
		out.Workers = append(out.Workers, snapshot.Worker{
			Name: CleanText(name, 64), Running: state == "running", Critical: snapshot.CriticalWorkers[name], State: state,
		})
	}
	sort.Slice(out.Workers, func(i, j int) bool { return out.Workers[i].Name < out.Workers[j].Name })
	return out
}

// msFromSeconds returns the stage's value in ms; NaN (no observations in the window) is
// unknown.
func msFromSeconds(samples []PromSample, stage string) *float64 {
	for _, s := range samples {
		if s.Labels["stage"] == stage {
			if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) || s.Value < 0 {
				return nil
			}
			return snapshot.F(s.Value * 1000)
		}
	}
	return nil
}

// gaugeValue is the first finite value of a gauge.
func gaugeValue(samples []PromSample) *float64 {
	for _, s := range samples {
		if f := snapshot.F(s.Value); f != nil {
			return f
		}
	}
	return nil
}

// gaugeSum adds the finite values of every series (queue depths reported per instance).
func gaugeSum(samples []PromSample) *float64 {
	var sum *float64
	for _, s := range samples {
		if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
			continue
		}
		v := s.Value
		if sum != nil {
			v += *sum
		}
		sum = &v
	}
	return sum
}

// gpuKey identifies a device in the GPU gauges' labels.
func gpuKey(l map[string]string) string {
	for _, k := range []string{"gpu", "index", "device", "minor_number"} {
		if v := l[k]; v != "" {
			return v
		}
	}
	return "0"
}

func promGPUs(g map[string][]PromSample) []snapshot.GPU {
	type dev struct {
		name                    string
		util, used, total, temp *float64
	}
	devs := map[string]*dev{}
	get := func(l map[string]string) *dev {
		k := gpuKey(l)
		d := devs[k]
		if d == nil {
			d = &dev{}
			devs[k] = d
		}
		for _, nk := range []string{"name", "gpu_name", "modelName", "model"} {
			if d.name == "" && l[nk] != "" {
				d.name = CleanText(l[nk], 64)
			}
		}
		return d
	}
	for metric, set := range map[string]func(*dev, *float64){
		"hsi_gpu_utilization":     func(d *dev, v *float64) { d.util = v },
		"hsi_gpu_memory_used_mb":  func(d *dev, v *float64) { d.used = v },
		"hsi_gpu_memory_total_mb": func(d *dev, v *float64) { d.total = v },
		"hsi_gpu_temperature":     func(d *dev, v *float64) { d.temp = v },
	} {
		for _, s := range g[metric] {
			if v := snapshot.F(s.Value); v != nil && *v >= 0 {
				set(get(s.Labels), v)
			}
		}
	}
	keys := make([]string, 0, len(devs))
	for k, d := range devs {
		if d.util != nil { // the page drops a gpu object without a numeric utilization
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, ea := strconv.Atoi(keys[i])
		b, eb := strconv.Atoi(keys[j])
		if ea == nil && eb == nil {
			return a < b
		}
		return keys[i] < keys[j]
	})
	out := make([]snapshot.GPU, 0, len(keys))
	for i, k := range keys {
		d := devs[k]
		gpu := snapshot.GPU{
			Name: d.name, Index: i, Utilization: d.util, Temperature: d.temp,
			Source: snapshot.ViaPrometheus,
		}
		if n, err := strconv.Atoi(k); err == nil {
			gpu.Index = n
		}
		if gpu.Name == "" {
			gpu.Name = "GPU " + strconv.Itoa(gpu.Index)
		}
		if d.used != nil {
			gpu.MemoryUsedBytes = snapshot.U(uint64(*d.used * snapshot.MiB))
		}
		if d.total != nil && *d.total > 0 {
			gpu.MemoryTotalBytes = snapshot.U(uint64(*d.total * snapshot.MiB))
			if d.used != nil {
				gpu.VRAMPercent = snapshot.Percent(*d.used, *d.total)
			}
		}
		out = append(out, gpu)
	}
	return out
}

// readings are the round's answers for the resolver.
func (r PromSections) readings() Readings {
	out := Readings{Inference: r.Parts}
	if len(r.GPUs) > 0 {
		out.GPU = &GPUReading{Devices: r.GPUs}
	}
	if len(r.Workers) > 0 {
		out.Workers = &snapshot.Workers{List: r.Workers, Source: snapshot.ViaPrometheus}
	}
	return out
}
