package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/alerts"
)

func TestRulesSubcommandPrintsAValidPrometheusFile(t *testing.T) {
	code, out, errOut := runCLI("rules", "--format", "prometheus", "--config", writeConfig(t, offline))
	if code != exitOK || !strings.Contains(out, "alert: HsiTopHostDiskCritical") {
		t.Fatalf("exit %d, stderr %s, out %.200s", code, errOut, out)
	}
	promtool := needPromtool(t)
	path := filepath.Join(t.TempDir(), "rules.yml")
	os.WriteFile(path, []byte(out), 0o600)
	if res, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, res)
	}
	if code, _, errOut := runCLI("rules", "--format", "nagios"); code != exitUnknown || !strings.Contains(errOut, "use --format prometheus") {
		t.Errorf("a bad format: exit %d, %s", code, errOut)
	}
}

func needPromtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool is required under CI (Debian's prometheus package)")
		}
		t.Skip("promtool not installed")
	}
	return p
}

// The disk rule, evaluated by Prometheus's own rule engine (promtool test rules) on the
// samples a real --serve exposes on /metrics, fires where hsi-top's does.
func TestPrometheusDiskRuleFiresOnServeMetrics(t *testing.T) {
	promtool := needPromtool(t)
	cfg := diskAlertConfig(t, t.TempDir())
	si := startServe(t, cfg)
	var used, size float64
	deadline := time.Now().Add(20 * time.Second)
	for used == 0 || size == 0 {
		if time.Now().After(deadline) {
			t.Fatal("/metrics has no filesystem numbers for /")
		}
		used, size = scrapeRootFS(t, si.base+"/metrics")
		time.Sleep(100 * time.Millisecond)
	}
	rules, err := alerts.PrometheusRules(cfg.Alerts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "rules.yml"), rules, 0o600)
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	test := fmt.Sprintf(`rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'hsi_top_host_filesystem_used_bytes{mountpoint="/"}'
        values: '%sx3'
      - series: 'hsi_top_host_filesystem_size_bytes{mountpoint="/"}'
        values: '%sx3'
    alert_rule_test:
      - eval_time: 2m
        alertname: HsiTopHostDiskCritical
        exp_alerts:
          - exp_labels: {severity: critical, hsi_top_metric: host_disk, mountpoint: "/"}
            exp_annotations: {summary: 'host_disk critical: %.1f (level 0.0002) on '}
`, f(used), f(size), used/size*100)
	os.WriteFile(filepath.Join(dir, "test.yml"), []byte(test), 0o600)
	cmd := exec.Command(promtool, "test", "rules", "test.yml")
	cmd.Dir = dir
	if res, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s\n%s", err, res, test)
	}
}

// scrapeRootFS reads the / filesystem's used and size bytes from a /metrics page.
func scrapeRootFS(t *testing.T, url string) (used, size float64) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for prefix, dst := range map[string]*float64{
			`hsi_top_host_filesystem_used_bytes{mountpoint="/"} `: &used,
			`hsi_top_host_filesystem_size_bytes{mountpoint="/"} `: &size,
		} {
			if v, ok := strings.CutPrefix(line, prefix); ok {
				*dst, _ = strconv.ParseFloat(strings.TrimSpace(v), 64)
			}
		}
	}
	return used, size
}

// A real Prometheus scraping a real --serve, with the generated rules loaded, fires the
// disk rule's critical alert.
func TestRealPrometheusFiresTheDiskRuleOnAServe(t *testing.T) {
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("prometheus is required under CI (Debian's prometheus package)")
		}
		t.Skip("prometheus not installed")
	}
	cfg := diskAlertConfig(t, t.TempDir())
	si := startServe(t, cfg)
	rules, err := alerts.PrometheusRules(cfg.Alerts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "rules.yml"), rules, 0o600)
	os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [rules.yml]
scrape_configs:
  - job_name: hsi-top
    static_configs: [{targets: ["%s"]}]
`, strings.TrimPrefix(si.base, "http://"))), 0o600)
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr)
	var log syncBuffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()

	type alertsAPI struct {
		Data struct {
			Alerts []struct {
				Labels map[string]string `json:"labels"`
				State  string            `json:"state"`
			} `json:"alerts"`
		} `json:"data"`
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		var got alertsAPI
		if resp, err := http.Get("http://" + addr + "/api/v1/alerts"); err == nil {
			json.NewDecoder(resp.Body).Decode(&got)
			resp.Body.Close()
		}
		for _, a := range got.Data.Alerts {
			if a.Labels["alertname"] == "HsiTopHostDiskCritical" && a.State == "firing" && a.Labels["mountpoint"] == "/" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("HsiTopHostDiskCritical never fired: %+v\nprometheus log:\n%s", got.Data.Alerts, log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
