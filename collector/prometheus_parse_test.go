package collector

import (
	"math"
	"strings"
	"testing"

	"github.com/hsi-top/hsi-top/snapshot"
)

func TestParsePromVector(t *testing.T) {
	body := `{"status":"success","data":{"resultType":"vector","result":[
	  {"metric":{"__name__":"hsi_gpu_utilization","gpu":"0"},"value":[1764281645.5,"38"]},
	  {"metric":{"stage":"detect"},"value":[1764281645.5,"NaN"]},
	  {"metric":{},"value":[1764281645.5,"+Inf"]}]}}`
	v, err := ParsePromVector([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 3 || v[0].Value != 38 || v[0].Labels["gpu"] != "0" || !math.IsNaN(v[1].Value) || !math.IsInf(v[2].Value, 1) {
		t.Fatalf("vector = %+v", v)
	}
	if v[0].Time.Unix() != 1764281645 || v[0].Time.Nanosecond() != 500000000 {
		t.Fatalf("time = %v", v[0].Time)
	}
	s, err := ParsePromVector([]byte(`{"status":"success","data":{"resultType":"scalar","result":[1,"2.5"]}}`))
	if err != nil || len(s) != 1 || s[0].Value != 2.5 {
		t.Fatalf("scalar = %+v, %v", s, err)
	}
	for name, c := range map[string]struct{ body, want string }{
		"api error":   {`{"status":"error","errorType":"bad_data","error":"parse error at char 3"}`, "bad_data: parse error at char 3"},
		"matrix":      {`{"status":"success","data":{"resultType":"matrix","result":[]}}`, `result type "matrix"`},
		"bad value":   {`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"x"]}]}}`, "not a number"},
		"value type":  {`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,2]}]}}`, "not a string"},
		"html":        {`<html>`, "HTML"},
		"bad results": {`{"status":"success","data":{"resultType":"vector","result":{"a":1}}}`, "malformed"},
	} {
		_, err := ParsePromVector([]byte(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}

func sample(v float64, labels ...string) PromSample {
	l := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		l[labels[i]] = labels[i+1]
	}
	return PromSample{Labels: l, Value: v}
}

func TestBuildPromSections(t *testing.T) {
	gauges := []PromSample{
		sample(38, "__name__", "hsi_gpu_utilization", "gpu", "0", "name", "NVIDIA RTX A5500"),
		sample(23245, "__name__", "hsi_gpu_memory_used_mb", "gpu", "0"),
		sample(24576, "__name__", "hsi_gpu_memory_total_mb", "gpu", "0"),
		sample(61, "__name__", "hsi_gpu_temperature", "gpu", "0"),
		sample(12, "__name__", "hsi_gpu_utilization", "gpu", "1"),
		sample(3, "__name__", "hsi_detection_queue_depth", "instance", "a"),
		sample(2, "__name__", "hsi_detection_queue_depth", "instance", "b"),
		sample(1, "__name__", "hsi_analysis_queue_depth"),
		sample(1, "__name__", "hsi_worker_status", "worker_name", "detection_worker"),
		sample(2, "__name__", "hsi_worker_status", "worker_name", "analysis_worker"),
		sample(9, "__name__", "hsi_worker_status", "worker_name", "bogus"),
		sample(4810.7, "__name__", "hsi_analyze_latency_p95_ms"),
		sample(2104, "__name__", "hsi_analyze_latency_avg_ms"),
	}
	p95 := []PromSample{sample(0.0823, "stage", "detect"), sample(math.NaN(), "stage", "analyze")}
	p99 := []PromSample{sample(0.1206, "stage", "detect")}
	avg := []PromSample{sample(0.0452, "stage", "detect"), sample(3.2, "stage", "total")}
	r := BuildPromSections(gauges, p95, p99, avg, []PromSample{sample(12.4)}, nil)

	if len(r.GPUs) != 2 || r.GPUs[0].Name != "NVIDIA RTX A5500" || *r.GPUs[0].Utilization != 38 ||
		*snapshot.Round(snapshot.InGiB(r.GPUs[0].MemoryUsedBytes), 2) != 22.7 || *snapshot.InGiB(r.GPUs[0].MemoryTotalBytes) != 24 ||
		*snapshot.Round(r.GPUs[0].VRAMPercent, 1) != 94.6 || *r.GPUs[0].Temperature != 61 {
		t.Fatalf("gpus = %+v", r.GPUs)
	}
	if r.GPUs[1].Index != 1 || r.GPUs[1].Name != "GPU 1" || r.GPUs[1].MemoryTotalBytes != nil {
		t.Fatalf("gpu 1 = %+v: no invented VRAM total", r.GPUs[1])
	}
	d := r.Parts.Detect
	if d == nil || *snapshot.Round(d.P95, 2) != 82.3 || *snapshot.Round(d.P99, 2) != 120.6 || *snapshot.Round(d.Avg, 2) != 45.2 || d.Window != "5m" || d.Source != "prometheus" {
		t.Fatalf("detect = %+v", d)
	}
	a := r.Parts.Analyze
	if a == nil || *a.P95 != 4810.7 || *a.Avg != 2104 || a.P99 != nil {
		t.Fatalf("analyze from the json-exporter gauges = %+v", a)
	}
	if p := r.Parts.Pipeline; p == nil || *p.Avg != 3200 || p.P95 != nil {
		t.Fatalf("pipeline = %+v", p)
	}
	if q := r.Parts.Queues; q == nil || *q.Detection != 5 || *q.Analysis != 1 {
		t.Fatalf("queues = %+v", q)
	}
	if tp := r.Parts.Throughput; tp == nil || *tp.ImagesPerMin != 12.4 || tp.EventsPerMin != nil {
		t.Fatalf("throughput = %+v", tp)
	}
	if len(r.Workers) != 2 || r.Workers[0].Name != "analysis_worker" || r.Workers[0].State != "crashed" ||
		!r.Workers[0].Critical || !r.Workers[1].Running {
		t.Fatalf("workers = %+v", r.Workers)
	}
	if empty := BuildPromSections(nil, nil, nil, nil, nil, nil); empty.GPUs == nil || len(empty.GPUs) != 0 ||
		empty.Parts.Detect != nil || empty.Parts.Queues != nil || empty.Parts.Throughput != nil || empty.Workers != nil {
		t.Fatalf("empty = %+v", empty)
	}
}
