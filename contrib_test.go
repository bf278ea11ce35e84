package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

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

// fixtureServe runs a real --serve (the real engine and feed server) on the recorded
// responses of the stack's services, the test harness's PostgreSQL and Redis, an alert
// that is active, and a GPU where the machine has none, and returns its base URL once
// hsi-top healthcheck passes against it.
func fixtureServe(t *testing.T) string {
	t.Helper()
	cfgText := "interval: 1s\nsource_timeout: 800ms\nprometheus: {enabled: false}\n" + fixtureStack(t) +
		fmt.Sprintf("postgres: {dsn: %q}\nredis: {url: %q}\n", testenv.PostgresDSN(t), testenv.RedisURL(t)) +
		"state_dir: " + t.TempDir() + "\nalerts:\n  rules:\n    host_ram: {warning: 0.01, critical: 99.99}\n"
	loaded, err := loadConfig(&cliFlags{configFile: writeConfig(t, cfgText)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := loaded.Config
	eng, built, err := newEngine(cfg, collector.StageFunc(boxWithoutFixtures))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serveFeed(ctx, eng, nil, cfg, ln, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		closeBuilt(built, io.Discard)
	})
	base := "http://" + ln.Addr().String()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		code, _, stderr := runCLI("healthcheck", base)
		if code == exitOK {
			return base
		}
		if time.Now().After(deadline) {
			t.Fatalf("hsi-top healthcheck %s never passed: exit %d, %s", base, code, stderr)
		}
	}
}

// Every metric the Grafana dashboard queries exists in the /metrics of a real --serve
// (fixtureServe). A metric renamed in feed/metrics.go fails here until the dashboard
// follows.
func TestGrafanaDashboardQueriesExistingMetrics(t *testing.T) {
	queried := dashboardMetricNames(t)
	if len(queried) < 40 {
		t.Fatalf("found %d metric names in %s; the walk misses panels", len(queried), grafanaDashboard)
	}
	base := fixtureServe(t)
	var missing []string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		missing = missing[:0]
		exposed := exposedMetricNames(getBody(t, base+"/metrics"))
		for name := range queried {
			if !exposed[name] {
				missing = append(missing, name)
			}
		}
		// Rates and the alert need a few ticks: wait for them, up to the deadline.
		if len(missing) == 0 || time.Now().After(deadline) {
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

// promScrapeConfig is the scrape example users copy (README: Prometheus and Grafana).
const promScrapeConfig = "contrib/prometheus/prometheus.yml"

// dashboardTarget is one query of a dashboard panel.
type dashboardTarget struct{ panel, expr string }

// dashboardTargets returns the PromQL of every panel target, with Grafana's variables
// replaced as the dashboard would on one hsi-top job.
func dashboardTargets(t *testing.T) []dashboardTarget {
	t.Helper()
	raw, err := os.ReadFile(grafanaDashboard)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	vars := strings.NewReplacer("$job", "hsi-top", "$instance", ".*", "$__rate_interval", "15s")
	var targets []dashboardTarget
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			targets = append(targets, dashboardTarget{p.Title, vars.Replace(tg.Expr)})
		}
	}
	return targets
}

// startPrometheus runs Debian's prometheus on the scrape example, pointed at target and
// scraping every second, and returns its base URL.
func startPrometheus(t *testing.T, target string) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("prometheus is not installed: scripts/test.sh installs it")
		}
		t.Skip("prometheus is not installed (scripts/test.sh installs it)")
	}
	raw, err := os.ReadFile(promScrapeConfig)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("%s: %v", promScrapeConfig, err)
	}
	jobs, _ := cfg["scrape_configs"].([]any)
	if len(jobs) != 1 {
		t.Fatalf("%s: want one scrape job, got %d", promScrapeConfig, len(jobs))
	}
	job := jobs[0].(map[string]any)
	if job["job_name"] != "hsi-top" {
		t.Fatalf("%s: job_name %v, the dashboard's $job default expects hsi-top", promScrapeConfig, job["job_name"])
	}
	job["scrape_interval"], job["scrape_timeout"] = "1s", "900ms"
	statics := job["static_configs"].([]any)
	statics[0].(map[string]any)["targets"] = []string{target}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, out, 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", logs.String())
		}
	})
	return "http://" + addr
}

// promQuery runs an instant query and returns how many series it answered with.
func promQuery(base, expr string) (int, error) {
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(expr))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return 0, fmt.Errorf("HTTP %d: %v", resp.StatusCode, err)
	}
	if r.Status != "success" {
		return 0, fmt.Errorf("%s", r.Error)
	}
	return len(r.Data.Result), nil
}

// The scrape example, run by a real Prometheus against a real --serve, scrapes it
// (up is 1), and every query of the Grafana dashboard is valid PromQL that answers with
// at least one series there.
func TestPrometheusScrapesAndDashboardQueriesAnswer(t *testing.T) {
	base := fixtureServe(t)
	prom := startPrometheus(t, strings.TrimPrefix(base, "http://"))
	targets := dashboardTargets(t)
	if len(targets) < 40 {
		t.Fatalf("found %d panel queries in %s", len(targets), grafanaDashboard)
	}
	var empty []string
	for deadline := time.Now().Add(45 * time.Second); ; time.Sleep(time.Second) {
		empty = empty[:0]
		if n, err := promQuery(prom, `up{job="hsi-top"} == 1`); err != nil || n != 1 {
			empty = append(empty, fmt.Sprintf(`up{job="hsi-top"}: not scraped yet (%d series, %v)`, n, err))
		} else {
			for _, tg := range targets {
				n, err := promQuery(prom, tg.expr)
				if err != nil {
					t.Fatalf("panel %q: %s: %v", tg.panel, tg.expr, err)
				}
				if n == 0 {
					empty = append(empty, fmt.Sprintf("panel %q: %s answers no series", tg.panel, tg.expr))
				}
			}
		}
		// Rates need two scrapes inside their window: wait, up to the deadline.
		if len(empty) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, e := range empty {
		t.Error(e)
	}
}
