package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/collector"
	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
)

// grafanaDashboard is the dashboard users import (README: Prometheus and Grafana).
const grafanaDashboard = "contrib/grafana/hsi-top.json"

// promMetricName finds hsi-top's metric names in a PromQL expression.
var promMetricName = regexp.MustCompile(`\bhsi_top_[a-zA-Z0-9_:]+`)

// dashboardMetricNames returns every hsi-top metric name the dashboard's panels and
// variables query, with the panels that use each.
func dashboardMetricNames(t *testing.T) map[string][]string {
	t.Helper()
	raw, err := os.ReadFile(grafanaDashboard)
	if err != nil {
		t.Fatal(err)
	}
	var dash any
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("%s is not JSON: %v", grafanaDashboard, err)
	}
	names := map[string][]string{}
	var walk func(v any, title string)
	walk = func(v any, title string) {
		switch v := v.(type) {
		case map[string]any:
			if s, ok := v["title"].(string); ok {
				title = s
			}
			if s, ok := v["name"].(string); ok && v["type"] == "query" {
				title = "variable " + s
			}
			for key, child := range v {
				if s, ok := child.(string); ok && (key == "expr" || key == "query" || key == "definition") {
					for _, name := range promMetricName.FindAllString(s, -1) {
						names[name] = append(names[name], title)
					}
				}
				walk(child, title)
			}
		case []any:
			for _, child := range v {
				walk(child, title)
			}
		}
	}
	walk(dash, "dashboard")
	return names
}

// exposedMetricNames returns the metric names of a /metrics body (sample lines only).
func exposedMetricNames(body string) map[string]bool {
	names := map[string]bool{}
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	return names
}

// fixtureStack serves the recorded responses of the stack's HTTP services (as
// cmd/fakestack does) and returns the config lines that point hsi-top at them.
func fixtureStack(t *testing.T) string {
	t.Helper()
	services := []struct {
		key    string
		routes map[string]string
	}{
		{"backend", map[string]string{
			"/api/system/stats":        "backend-stats.json",
			"/api/system/health/ready": "backend-health-ready-200.json",
			"/api/system/telemetry":    "backend-telemetry.json",
			"/health":                  "llm-health-ok.json",
		}},
		{"detector", map[string]string{"/health": "detector-health-rtdetr.json"}},
		{"llm", map[string]string{"/health": "llm-health-ok.json", "/slots": "llm-slots-current.json", "/metrics": "llm-metrics.txt"}},
		{"frontend", map[string]string{"/health": "llm-health-ok.json"}},
	}
	var cfg strings.Builder
	for _, svc := range services {
		mux := http.NewServeMux()
		for path, file := range svc.routes {
			body := testenv.ReadFixture(t, file)
			mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
		}
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		fmt.Fprintf(&cfg, "%s: {url: %q}\n", svc.key, srv.URL)
	}
	return cfg.String()
}

// boxWithoutFixtures fills, where the sources left them unknown, the numbers that
// need hardware or the stack's own database schema: a GPU as NVML reports one (this
// machine may have none), the cameras, and the pipeline's throughput.
func boxWithoutFixtures(s *snapshot.Snapshot) {
	if len(s.GPUs) == 0 {
		s.GPUs = []snapshot.GPU{{
			Index: 0, Name: "NVIDIA RTX A5500", UUID: "GPU-fixture", Source: "nvml",
			Utilization: snapshot.F(41), Temperature: snapshot.F(63), PowerWatts: snapshot.F(118), PowerLimitWatts: snapshot.F(230),
			MemoryUsedBytes: snapshot.U(9 << 30), MemoryTotalBytes: snapshot.U(24 << 30),
			Services: []snapshot.ServiceVRAM{{Service: "ai-detector", UsedBytes: 3 << 30, Processes: 1}, {Service: "ai-llm", UsedBytes: 6 << 30, Processes: 1}},
		}}
	}
	if s.Overview.CamerasActive == nil {
		s.Overview.CamerasActive, s.Overview.CamerasTotal = snapshot.I(4), snapshot.I(4)
	}
	if s.Inference.Throughput == nil {
		s.Inference.Throughput = &snapshot.Throughput{}
	}
	if s.Inference.Throughput.ImagesPerMin == nil {
		s.Inference.Throughput.ImagesPerMin, s.Inference.Throughput.EventsPerMin = snapshot.F(120), snapshot.F(3)
	}
	if s.Databases.Redis.HitRatio == nil {
		s.Databases.Redis.HitRatio = snapshot.F(97.5)
	}
}

// Every metric the Grafana dashboard queries exists in the /metrics of a real --serve:
// the real engine and feed server, on the recorded responses of the stack's services,
// the test harness's PostgreSQL and Redis, an alert that is active, and a GPU where the
// machine has none. A metric renamed in feed/metrics.go fails here until the dashboard
// follows. The health check subcommand is run against the same server.
func TestGrafanaDashboardQueriesExistingMetrics(t *testing.T) {
	queried := dashboardMetricNames(t)
	if len(queried) < 40 {
		t.Fatalf("found %d metric names in %s; the walk misses panels", len(queried), grafanaDashboard)
	}
	cfgText := "interval: 1s\nsource_timeout: 800ms\nprometheus: {enabled: false}\n" + fixtureStack(t) +
		fmt.Sprintf("postgres: {dsn: %q}\nredis: {url: %q}\n", testenv.PostgresDSN(t), testenv.RedisURL(t)) +
		"alerts:\n  rules:\n    host_ram: {warning: 0.01, critical: 99.99}\n"
	loaded, err := loadConfig(&cliFlags{configFile: writeConfig(t, cfgText)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := loaded.Config
	eng, built, err := newEngine(cfg, collector.StageFunc(boxWithoutFixtures))
	if err != nil {
		t.Fatal(err)
	}
	defer closeBuilt(built, io.Discard)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serveFeed(ctx, eng, nil, cfg, ln, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	var missing []string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		missing = missing[:0]
		if code, _, _ := runCLI("healthcheck", base); code == exitOK {
			exposed := exposedMetricNames(getBody(t, base+"/metrics"))
			for name := range queried {
				if !exposed[name] {
					missing = append(missing, name)
				}
			}
			// Rates and the alert need a few ticks; wait for them, up to the deadline.
			if len(missing) == 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			break
		}
	}
	sort.Strings(missing)
	for _, name := range missing {
		t.Errorf("%s queries %s (panels %v), which /metrics does not expose", grafanaDashboard, name, queried[name])
	}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(b)
}
