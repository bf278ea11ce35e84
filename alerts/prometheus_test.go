package alerts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
)

func TestPrometheusRulesCarryTheConfiguredLevels(t *testing.T) {
	cfg := config.DefaultAlerts()
	cfg.Rules.HostDisk.Warning, cfg.Rules.HostDisk.WarningFor = 70, config.Duration(90*time.Second)
	cfg.Rules.GPUPower.Enabled = false
	out, err := PrometheusRules(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		"alert: HsiTopHostDiskWarning\n        expr: (hsi_top_host_filesystem_used_bytes / hsi_top_host_filesystem_size_bytes * 100) > 70\n        for: 90s\n",
		"alert: HsiTopPgCacheHitCritical\n        expr: (hsi_top_postgres_cache_hit_ratio * 100) < 80\n",
		"alert: HsiTopHostCpuCritical\n        expr: (hsi_top_host_cpu_utilization_ratio * 100) > 95\n        for: 1m\n",
		`(hsi_top_service_state{state=~"unhealthy|unreachable"} == 1)) >= 2`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
	if strings.Contains(s, "GpuPower") {
		t.Error("a disabled rule is in the file")
	}
	if n := strings.Count(s, "- alert: "); n != 34 {
		t.Errorf("%d alerts, want 34 (17 enabled rules × 2 severities)", n)
	}
	// promtool (Debian's prometheus package, which scripts/test.sh installs) validates it.
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool is required under CI")
		}
		t.Skip("promtool not installed")
	}
	path := filepath.Join(t.TempDir(), "hsi-top.rules.yml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	if res, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, res)
	}
}
