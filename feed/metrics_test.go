package feed

import (
	"fmt"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hsi-top/hsi-top/snapshot"
)

// parsedSample is one sample line of the text exposition format.
type parsedSample struct {
	name   string
	labels map[string]string
	value  float64
}

var metricNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// parseExposition checks text against the Prometheus text format 0.0.4 strictly: HELP
// and TYPE once per family and before its samples, families contiguous, valid names,
// label values with only the \\ \" \n escapes, parseable values, no duplicate series,
// counters named *_total.
func parseExposition(text string) (map[string]string, []parsedSample, error) {
	if !strings.HasSuffix(text, "\n") {
		return nil, nil, fmt.Errorf("does not end with a newline")
	}
	types := map[string]string{}
	helps := map[string]bool{}
	done := map[string]bool{} // families already closed by another family's lines
	series := map[string]bool{}
	current := ""
	enter := func(name string) error {
		if name == current {
			return nil
		}
		if done[name] {
			return fmt.Errorf("family %s appears in two places", name)
		}
		if current != "" {
			done[current] = true
		}
		current = name
		return nil
	}
	var samples []parsedSample
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		errf := func(format string, a ...any) error {
			return fmt.Errorf("line %d %q: %s", i+1, line, fmt.Sprintf(format, a...))
		}
		switch {
		case strings.HasPrefix(line, "# HELP "):
			parts := strings.SplitN(strings.TrimPrefix(line, "# HELP "), " ", 2)
			if len(parts) != 2 || !metricNameRE.MatchString(parts[0]) {
				return nil, nil, errf("bad HELP")
			}
			if helps[parts[0]] {
				return nil, nil, errf("second HELP")
			}
			if err := enter(parts[0]); err != nil {
				return nil, nil, errf("%v", err)
			}
			helps[parts[0]] = true
			if strings.Contains(strings.NewReplacer(`\\`, "", `\n`, "").Replace(parts[1]), `\`) {
				return nil, nil, errf("bad escape in HELP")
			}
		case strings.HasPrefix(line, "# TYPE "):
			parts := strings.Split(strings.TrimPrefix(line, "# TYPE "), " ")
			if len(parts) != 2 || !metricNameRE.MatchString(parts[0]) {
				return nil, nil, errf("bad TYPE")
			}
			switch parts[1] {
			case "counter", "gauge", "histogram", "summary", "untyped":
			default:
				return nil, nil, errf("unknown type")
			}
			if _, ok := types[parts[0]]; ok {
				return nil, nil, errf("second TYPE")
			}
			if err := enter(parts[0]); err != nil {
				return nil, nil, errf("%v", err)
			}
			if parts[1] == "counter" && !strings.HasSuffix(parts[0], "_total") {
				return nil, nil, errf("counter not named *_total")
			}
			types[parts[0]] = parts[1]
		case strings.HasPrefix(line, "#"):
			return nil, nil, errf("unexpected comment")
		default:
			smp, err := parseSampleLine(line)
			if err != nil {
				return nil, nil, errf("%v", err)
			}
			if _, ok := types[smp.name]; !ok {
				return nil, nil, errf("sample before its TYPE")
			}
			if err := enter(smp.name); err != nil {
				return nil, nil, errf("%v", err)
			}
			keys := make([]string, 0, len(smp.labels))
			for k, v := range smp.labels {
				keys = append(keys, k+"="+v)
			}
			sort.Strings(keys)
			id := smp.name + "{" + strings.Join(keys, ",") + "}"
			if series[id] {
				return nil, nil, errf("duplicate series")
			}
			series[id] = true
			samples = append(samples, smp)
		}
	}
	return types, samples, nil
}

func parseSampleLine(line string) (parsedSample, error) {
	smp := parsedSample{labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return smp, fmt.Errorf("no value")
	}
	smp.name = line[:i]
	if !metricNameRE.MatchString(smp.name) {
		return smp, fmt.Errorf("bad metric name")
	}
	rest := line[i:]
	if rest[0] == '{' {
		rest = rest[1:]
		for {
			if strings.HasPrefix(rest, "}") {
				rest = rest[1:]
				break
			}
			eq := strings.Index(rest, `="`)
			if eq < 0 {
				return smp, fmt.Errorf("bad label")
			}
			name := rest[:eq]
			if !labelNameRE.MatchString(name) {
				return smp, fmt.Errorf("bad label name %q", name)
			}
			if _, dup := smp.labels[name]; dup {
				return smp, fmt.Errorf("label %s twice", name)
			}
			rest = rest[eq+2:]
			var val strings.Builder
			closed := false
			for j := 0; j < len(rest); j++ {
				switch ch := rest[j]; ch {
				case '\\':
					if j+1 >= len(rest) {
						return smp, fmt.Errorf("dangling escape")
					}
					j++
					switch rest[j] {
					case '\\':
						val.WriteByte('\\')
					case '"':
						val.WriteByte('"')
					case 'n':
						val.WriteByte('\n')
					default:
						return smp, fmt.Errorf("bad escape \\%c", rest[j])
					}
				case '"':
					rest = rest[j+1:]
					closed = true
				case '\n':
					return smp, fmt.Errorf("raw newline in a label value")
				default:
					val.WriteByte(ch)
				}
				if closed {
					break
				}
			}
			if !closed {
				return smp, fmt.Errorf("unterminated label value")
			}
			smp.labels[name] = val.String()
			if strings.HasPrefix(rest, ",") {
				rest = rest[1:]
			} else if !strings.HasPrefix(rest, "}") {
				return smp, fmt.Errorf("expected , or } after a label")
			}
		}
	}
	if !strings.HasPrefix(rest, " ") {
		return smp, fmt.Errorf("no space before the value")
	}
	fields := strings.Fields(rest)
	if len(fields) < 1 || len(fields) > 2 {
		return smp, fmt.Errorf("bad value/timestamp")
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return smp, fmt.Errorf("bad value: %v", err)
	}
	smp.value = v
	return smp, nil
}

// find returns the value of the series name{labels}, and whether it exists.
func find(samples []parsedSample, name string, labels ...string) (float64, bool) {
outer:
	for _, s := range samples {
		if s.name != name {
			continue
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if s.labels[labels[i]] != labels[i+1] {
				continue outer
			}
		}
		return s.value, true
	}
	return 0, false
}

func TestMetrics(t *testing.T) {
	h := start(t, nil)
	snap := fixtureSnapshot(t, t0)
	snap.Sources = []snapshot.SourceStatus{
		{Source: "host", OK: true, DurationMS: 12.5, AgeSeconds: snapshot.F(0.5), Via: "host"},
		{Source: "redis", OK: false, DurationMS: 2000, Error: "timed out"},
	}
	snap.Host.Mounts = []snapshot.Mount{{Path: "/", UsedBytes: 100, TotalBytes: 400}}
	// A hostile service name: the label value must be escaped, never break the format.
	snap.Containers = append(snap.Containers, snapshot.Container{Name: "we\"ird\\name\nx", Status: "unknown", Health: "none", State: "unreachable"})
	h.src.set(snap)
	c := h.dial("", nil) // one client connected
	readFrame(t, c)

	code, hdr, body := h.get("/metrics", nil)
	if code != http.StatusOK || hdr.Get("Content-Type") != metricsContentType {
		t.Fatalf("status %d content type %q", code, hdr.Get("Content-Type"))
	}
	types, samples, err := parseExposition(string(body))
	if err != nil {
		t.Fatalf("/metrics is not valid text exposition: %v\n%s", err, body)
	}
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"hsi_top_gpu_utilization_ratio", []string{"gpu", "0"}, 0.38},
		{"hsi_top_gpu_temperature_celsius", []string{"gpu", "0"}, 38},
		{"hsi_top_gpu_memory_total_bytes", []string{"gpu", "0"}, 24 * snapshot.GiB},
		{"hsi_top_gpu_power_watts", []string{"gpu", "0"}, 31},
		{"hsi_top_model_healthy", []string{"model", "rtdetr"}, 1},
		{"hsi_top_llm_slots_active", nil, 1},
		{"hsi_top_llm_context_size_tokens", nil, 131072},
		{"hsi_top_inference_latency_seconds", []string{"stage", "detect", "statistic", "p95"}, 0.0823},
		{"hsi_top_inference_latency_seconds", []string{"stage", "analyze", "statistic", "p99"}, 8.2041},
		{"hsi_top_queue_depth", []string{"queue", "detection"}, 3},
		{"hsi_top_images_processed_per_second", nil, 12.4 / 60},
		{"hsi_top_postgres_cache_hit_ratio", nil, 0.982},
		{"hsi_top_postgres_connections_max", nil, 100},
		{"hsi_top_redis_memory_used_bytes", nil, 1509949}, // the fixture's 1.44 MB, to the byte
		{"hsi_top_redis_hit_ratio", nil, 0.975},
		{"hsi_top_host_cpu_utilization_ratio", nil, 0.12},
		{"hsi_top_host_filesystem_used_bytes", []string{"mountpoint", "/"}, 100},
		{"hsi_top_service_healthy", []string{"service", "backend"}, 1},
		{"hsi_top_service_healthy", []string{"service", "we\"ird\\name\nx"}, 0},
		{"hsi_top_alert_active", []string{"metric", "gpu_vram", "severity", "warning"}, 1},
		{"hsi_top_alerts_active", []string{"severity", "warning"}, 1},
		{"hsi_top_alerts_active", []string{"severity", "critical"}, 0},
		{"hsi_top_source_up", []string{"source", "host"}, 1},
		{"hsi_top_source_up", []string{"source", "redis"}, 0},
		{"hsi_top_source_collection_duration_seconds", []string{"source", "host"}, 0.0125},
		{"hsi_top_source_collection_duration_seconds", []string{"source", "redis"}, 2},
		{"hsi_top_websocket_clients", nil, 1},
		{"hsi_top_websocket_connections_total", nil, 1},
		{"hsi_top_websocket_clients_dropped_total", nil, 0},
		{"hsi_top_snapshot_age_seconds", nil, 0},
	} {
		got, ok := find(samples, tc.name, tc.labels...)
		if !ok {
			t.Errorf("%s%v missing", tc.name, tc.labels)
			continue
		}
		if math.Abs(got-tc.want) > 1e-9*math.Max(1, math.Abs(tc.want)) {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	for _, name := range []string{"hsi_top_process_cpu_seconds_total", "hsi_top_process_resident_memory_bytes"} {
		if v, ok := find(samples, name); !ok || v <= 0 {
			t.Errorf("%s = %v (present %v), want a positive own figure", name, v, ok)
		}
	}
	if types["hsi_top_websocket_clients_dropped_total"] != "counter" || types["hsi_top_gpu_utilization_ratio"] != "gauge" {
		t.Errorf("types: %v", types)
	}
	// An unknown number is a missing sample, never 0.
	if _, ok := find(samples, "hsi_top_redis_evicted_keys_total"); ok {
		t.Error("unknown evicted keys exported")
	}
}

func TestMetricsWithoutSnapshot(t *testing.T) {
	h := start(t, nil)
	h.src.set(nil)
	_, _, body := h.get("/metrics", nil)
	_, samples, err := parseExposition(string(body))
	if err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	if _, ok := find(samples, "hsi_top_gpu_utilization_ratio"); ok {
		t.Error("GPU numbers without a snapshot")
	}
	if _, ok := find(samples, "hsi_top_websocket_clients"); !ok {
		t.Error("own health missing without a snapshot")
	}
}

func TestParseExpositionRejects(t *testing.T) {
	for _, bad := range []string{
		"x 1",
		"x 1\n",
		"# TYPE x gauge\nx{a=\"b\\q\"} 1\n",
		"# TYPE x gauge\nx{a=\"b} 1\n",
		"# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\nx 2\n",
		"# TYPE x counter\nx 1\n",
		"# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n",
		"# TYPE x gauge\nx one\n",
	} {
		if _, _, err := parseExposition(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestEscaping(t *testing.T) {
	if got := escapeLabelValue("a\"b\\c\nd"); got != `a\"b\\c\nd` {
		t.Errorf("label escape = %s", got)
	}
	if got := escapeHelp("a\\b\nc\"d"); got != `a\\b\nc"d` {
		t.Errorf("help escape = %s", got)
	}
}
