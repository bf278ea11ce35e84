package collector

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
)

func TestParsePromMatrix(t *testing.T) {
	m, err := ParsePromMatrix([]byte(`{"status":"success","data":{"resultType":"matrix","result":[
	  {"metric":{"stage":"detect"},"values":[[100,"1"],[105.5,"2.5"],[110,"NaN"]]},
	  {"values":[]}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 || m[0].Labels["stage"] != "detect" || len(m[0].Points) != 3 || m[1].Labels == nil || len(m[1].Points) != 0 {
		t.Fatalf("matrix = %+v", m)
	}
	if p := m[0].Points[1]; p.Value != 2.5 || p.Time.Unix() != 105 || p.Time.Nanosecond() != 5e8 || !math.IsNaN(m[0].Points[2].Value) {
		t.Fatalf("points = %+v", m[0].Points)
	}
	for name, c := range map[string]struct{ body, want string }{
		"api error":  {`{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries"}`, "bad_data: exceeded maximum resolution"},
		"vector":     {`{"status":"success","data":{"resultType":"vector","result":[]}}`, `result type "vector", expected matrix`},
		"bad value":  {`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}}`, "not a number"},
		"value type": {`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,2]]}]}}`, "not a string"},
		"time type":  {`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[["1","2"]]}]}}`, "time is not a number"},
		"html":       {`<html>`, "HTML"},
		"malformed":  {`{"status":"success","data":{"resultType":"matrix","result":{"a":1}}}`, "malformed"},
	} {
		_, err := ParsePromMatrix([]byte(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}

func FuzzParsePromMatrix(f *testing.F) {
	f.Add([]byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"gpu":"0"},"values":[[1,"1"],[2,"+Inf"]]}]}}`))
	f.Add([]byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"stage":"analyze"},"values":[[1e300,"-1"]]}]}}`))
	f.Add([]byte(`{"status":"error","errorType":"timeout","error":"query timed out"}`))
	f.Add([]byte(`<html>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		series, err := ParsePromMatrix(body)
		if err != nil {
			if len(err.Error()) > 300 {
				t.Fatalf("error too long: %q", err)
			}
			return
		}
		for q := range backfillQueries {
			for key, samples := range BackfillSamples(q, series) {
				if key == "" {
					t.Fatal("a sample without a key")
				}
				for _, s := range samples {
					if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) || s.Value < 0 {
						t.Fatalf("%s: unknown value %v passed on", key, s.Value)
					}
				}
			}
		}
	})
}

func pts(vals ...float64) []PromPoint {
	out := make([]PromPoint, len(vals))
	for i, v := range vals {
		out[i] = PromPoint{Time: time.Unix(int64(100+5*i), 0), Value: v}
	}
	return out
}

// backfillQueryIndex is the index of the backfill query that contains part.
func backfillQueryIndex(t *testing.T, part string) int {
	t.Helper()
	for i, q := range backfillQueries {
		if strings.Contains(q.query, part) {
			return i
		}
	}
	t.Fatalf("no backfill query has %q", part)
	return -1
}

func TestBackfillSamples(t *testing.T) {
	cases := []struct {
		name   string
		query  string
		series []PromSeries
		want   map[string][]float64
	}{
		{"gpu by device label", "hsi_gpu_utilization", []PromSeries{
			{Labels: map[string]string{"gpu": "0", "name": "A"}, Points: pts(10, 20)},
			{Labels: map[string]string{"index": "1"}, Points: pts(30)},
			{Labels: map[string]string{"gpu": "GPU-uuid"}, Points: pts(40)}, // not a device number: left out
		}, map[string][]float64{"gpu.0.utilization": {10, 20}, "gpu.1.utilization": {30}}},
		{"vram percent", "hsi_gpu_memory_used_mb", []PromSeries{
			{Labels: map[string]string{"gpu": "0"}, Points: pts(41.5, math.NaN(), 42)},
		}, map[string][]float64{"gpu.0.vram_percent": {41.5, 42}}},
		{"p95 per stage", "histogram_quantile", []PromSeries{
			{Labels: map[string]string{"stage": "detect"}, Points: pts(175, math.Inf(1), -1)},
			{Labels: map[string]string{"stage": "analyze"}, Points: pts(4500)},
			{Labels: map[string]string{"stage": "total"}, Points: pts(5000)}, // not charted
		}, map[string][]float64{"inference.detect.p95": {175}, "inference.analyze.p95": {4500}}},
		{"throughput sums series at a time", "hsi_detections_processed_total", []PromSeries{
			{Labels: map[string]string{}, Points: pts(60, 120)},
			{Labels: map[string]string{"instance": "b"}, Points: pts(1)},
		}, map[string][]float64{"throughput.images": {61, 120}}},
		{"empty", "hsi_gpu_temperature", nil, map[string][]float64{}},
	}
	for _, c := range cases {
		got := BackfillSamples(backfillQueryIndex(t, c.query), c.series)
		if len(got) != len(c.want) {
			t.Errorf("%s: keys = %v, want %v", c.name, got, c.want)
			continue
		}
		for key, want := range c.want {
			var vals []float64
			for i, s := range got[key] {
				vals = append(vals, s.Value)
				if i > 0 && !s.Time.After(got[key][i-1].Time) {
					t.Errorf("%s: %s not in time order", c.name, key)
				}
			}
			if fmt.Sprint(vals) != fmt.Sprint(want) {
				t.Errorf("%s: %s = %v, want %v", c.name, key, vals, want)
			}
		}
	}
	if BackfillSamples(-1, nil) != nil || BackfillSamples(len(backfillQueries), nil) != nil {
		t.Error("a query index out of range must give nothing")
	}
}

// TestBackfillFailuresInWords: a Prometheus that is not ready is ErrPrometheusNotReady;
// one query refused is reported by name with Prometheus's reason while the others fill.
func TestBackfillFailuresInWords(t *testing.T) {
	ready := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/-/ready" && ready:
			fmt.Fprint(w, "Prometheus Server is Ready.")
		case r.URL.Path == "/-/ready":
			http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		case r.URL.Path == "/api/v1/query_range" && strings.Contains(r.FormValue("query"), "temperature"):
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprint(w, `{"status":"error","errorType":"execution","error":"query processing would load too many samples"}`)
		case r.URL.Path == "/api/v1/query_range":
			if r.FormValue("step") != "5" {
				t.Errorf("step = %q", r.FormValue("step"))
			}
			// One value, a minute before the end: a bucket of every range.
			end, err := strconv.ParseFloat(r.FormValue("end"), 64)
			if err != nil {
				t.Errorf("end = %q", r.FormValue("end"))
			}
			fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"gpu":"0","stage":"detect"},"values":[[%.3f,"7"]]}]}}`, end-60)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := NewPromClient(srv.URL, 2*time.Second)
	defer c.CloseIdle()
	before := time.Now()

	store := history.NewStore()
	rep, err := BackfillHistory(context.Background(), c, store, before)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Queries != len(backfillQueries)-1 || len(rep.Failed) != 1 || !strings.Contains(rep.Failed[0], "hsi_gpu_temperature: HTTP 422: execution: query processing would load too many samples") {
		t.Fatalf("report = %+v", rep)
	}
	// Each answer is one value a minute before the start-up: one bucket of every range.
	wantKeys := "[gpu.0.utilization gpu.0.vram_percent inference.detect.p95 throughput.images]"
	if fmt.Sprint(rep.Keys) != wantKeys || rep.Buckets != 12 || rep.Points != 4 || rep.Bytes == 0 {
		t.Fatalf("report = %+v, want keys %s in 12 buckets", rep, wantKeys)
	}
	if s := rep.String(); !strings.Contains(s, "12 buckets of 4 series filled from 4 values (4 queries") || !strings.Contains(s, "failed: hsi_gpu_temperature") {
		t.Errorf("report in words = %q", s)
	}

	ready = false
	if _, err := BackfillHistory(context.Background(), c, history.NewStore(), before); !errors.Is(err, ErrPrometheusNotReady) || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("not ready: err = %v", err)
	}
}

// TestBackfillFromRealPrometheus serves the exporter's gauges and histograms to the
// harness's Prometheus (it scrapes every second), then fills a new store from
// query_range, as a start-up does, and checks the buckets hold the exporter's values.
func TestBackfillFromRealPrometheus(t *testing.T) {
	promURL := testenv.PrometheusURL(t)
	serveExporter(t)
	c := NewPromClient(promURL, 5*time.Second)
	defer c.CloseIdle()
	var store *history.Store
	var rep BackfillReport
	if reason := eventually(150, 200*time.Millisecond, func() string {
		store = history.NewStore()
		before := time.Now()
		var err error
		if rep, err = BackfillHistory(context.Background(), c, store, before); err != nil {
			return err.Error()
		}
		store.Process(snapshot.New(before)) // the first live tick
		for _, key := range []string{"gpu.0.utilization", "gpu.0.vram_percent", "gpu.0.temperature", history.KeyDetectP95, history.KeyAnalyzeP95, history.KeyImagesPerMin} {
			if filledBuckets(store.Series(key, history.Range5m)) == 0 {
				return "no 5 s bucket of " + key + " yet"
			}
		}
		return ""
	}); reason != "" {
		t.Fatalf("the backfill never filled every series: %s (last report %+v)", reason, rep)
	}
	if len(rep.Failed) != 0 || rep.Queries != len(backfillQueries) {
		t.Fatalf("report = %+v", rep)
	}
	t.Log(rep.String())
	for key, want := range map[string]float64{
		"gpu.0.utilization": 38.5, "gpu.0.vram_percent": 100 * 10240.0 / 24576, "gpu.0.temperature": 61,
		history.KeyDetectP95: wantDetectP95MS, history.KeyAnalyzeP95: wantAnalyzeP95MS,
	} {
		for _, r := range history.Ranges {
			for _, p := range store.Series(key, r) {
				if p.Count > 0 && (math.Abs(p.Min-want) > 0.01 || math.Abs(p.Max-want) > 0.01) {
					t.Errorf("%s %s bucket at %s = %+v, want %v", key, r, p.Start.Format(time.TimeOnly), p, want)
				}
			}
		}
	}
	for _, p := range store.Series(history.KeyImagesPerMin, history.Range5m) {
		if p.Count > 0 && (p.Min <= 0 || p.Max > exporterDetections*60*1.05) {
			t.Errorf("images/min bucket = %+v", p)
		}
	}
	for _, r := range history.Ranges {
		if last := store.Series("gpu.0.utilization", r)[history.Points-1]; last.Count != 0 {
			t.Errorf("%s: the live bucket was filled: %+v", r, last)
		}
	}
}

func filledBuckets(pts []history.Point) int {
	n := 0
	for _, p := range pts {
		if p.Count > 0 {
			n++
		}
	}
	return n
}

// BenchmarkBackfillRealPrometheus measures one start-up backfill against the harness's
// Prometheus (whatever it has recorded of the exporter by then), with its size.
func BenchmarkBackfillRealPrometheus(b *testing.B) {
	promURL := testenv.PrometheusURL(b)
	serveExporter(b)
	c := NewPromClient(promURL, 5*time.Second)
	defer c.CloseIdle()
	time.Sleep(3 * time.Second) // a few scrapes
	var rep BackfillReport
	for b.Loop() {
		var err error
		if rep, err = BackfillHistory(context.Background(), c, history.NewStore(), time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rep.Bytes), "bytes/backfill")
	b.ReportMetric(float64(rep.Points), "points/backfill")
	b.ReportMetric(float64(rep.Buckets), "buckets/backfill")
}

// BenchmarkQueryRangeFullHour is one backfill query's cost for one series with a whole
// hour of values (vector() has a value at every step: 720 at 5 s), against the
// harness's Prometheus: the size of a start-up backfill is this times the series.
func BenchmarkQueryRangeFullHour(b *testing.B) {
	c := NewPromClient(testenv.PrometheusURL(b), 5*time.Second)
	defer c.CloseIdle()
	end := time.Now().Truncate(backfillStep)
	var n, points int
	for b.Loop() {
		series, size, err := c.queryRange(context.Background(), "vector(38.5)", end.Add(-BackfillSpan+backfillStep), end, backfillStep)
		if err != nil || len(series) != 1 {
			b.Fatalf("%d series, %v", len(series), err)
		}
		n, points = size, len(series[0].Points)
	}
	b.ReportMetric(float64(n), "bytes/series")
	b.ReportMetric(float64(points), "points/series")
}
