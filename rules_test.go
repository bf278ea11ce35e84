package main

import (
	"bufio"
	"fmt"
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
