package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// offline is a config in which every service points at a closed loopback port, so
// tests never depend on what runs on the machine.
const offline = `interval: 1s
source_timeout: 500ms
backend:   {url: "http://127.0.0.1:1"}
detector:  {url: "http://127.0.0.1:1"}
llm:       {url: "http://127.0.0.1:1"}
frontend:  {url: "http://127.0.0.1:1"}
prometheus: {url: "http://127.0.0.1:1"}
postgres:  {dsn: "postgres://security:hunter2@127.0.0.1:1/security?connect_timeout=1"}
redis:     {url: "redis://127.0.0.1:1/0", password: "hunter2"}
`

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hsi-top.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrorsExitUnknown(t *testing.T) {
	for _, args := range [][]string{{"--bogus"}, {"--interval", "500ms"}, {"--json"}, {"extra"}, {"--once", "--serve"}, {"--interval", "soon"}} {
		code, _, stderr := runCLI(args...)
		if code != exitUnknown {
			t.Errorf("%v: exit %d, want %d", args, code, exitUnknown)
		}
		if lines := strings.Count(strings.TrimSpace(stderr), "\n"); lines != 0 || !strings.HasPrefix(stderr, "hsi-top: ") {
			t.Errorf("%v: want a one-line reason, got %q", args, stderr)
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	code, _, stderr := runCLI("--help")
	if code != exitOK || !strings.Contains(stderr, "--once") || !strings.Contains(stderr, "2 a critical alert is active") {
		t.Errorf("--help: exit %d\n%s", code, stderr)
	}
	code, stdout, _ := runCLI("--version")
	if code != exitOK || !strings.HasPrefix(stdout, "hsi-top ") {
		t.Errorf("--version: exit %d %q", code, stdout)
	}
}

func TestConfigTypoExitsUnknownWithFileAndLine(t *testing.T) {
	p := writeConfig(t, "intreval: 5s\n")
	code, _, stderr := runCLI("--config", p, "--once")
	if code != exitUnknown || !strings.Contains(stderr, p+":1") || !strings.Contains(stderr, `"interval"`) {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

func TestConfigSubcommandRedacts(t *testing.T) {
	p := writeConfig(t, offline)
	t.Setenv("NEMOTRON_API_KEY", "sk-live-123")
	code, stdout, _ := runCLI("--config", p, "config")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(stdout, "hunter2") || strings.Contains(stdout, "sk-live-123") {
		t.Errorf("secrets printed:\n%s", stdout)
	}
	for _, want := range []string{"# config file: " + p, "NEMOTRON_API_KEY", "api_key: '***'", "security:***@127.0.0.1"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestDashboardRefusesWithoutTerminal(t *testing.T) {
	p := writeConfig(t, offline)
	code, _, stderr := runCLI("--config", p)
	if code != exitUnknown || !strings.Contains(stderr, "--once") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// --once --json prints valid JSON with every page section present even when nothing
// answers, unreachable services say so, and the exit code follows the alerts.
func TestOnceJSONWithNothingRunning(t *testing.T) {
	p := writeConfig(t, offline)
	code, stdout, stderr := runCLI("--config", p, "--once", "--json")
	var s map[string]any
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("invalid JSON (%v); stderr %s", err, stderr)
	}
	for _, key := range []string{"timestamp", "gpu", "ai_models", "nemotron", "inference", "databases", "host", "containers", "alerts"} {
		if _, ok := s[key]; !ok {
			t.Errorf("section %q missing", key)
		}
	}
	host := s["host"].(map[string]any)
	if host["cpu_percent"] == nil || host["ram_total_gb"] == nil {
		t.Errorf("host numbers must be real after one interval: %v", host)
	}
	if strings.Contains(stdout, "hunter2") || strings.Contains(stderr, "hunter2") {
		t.Error("a password appeared in the output")
	}
	want := exitOK
	for _, a := range s["alerts"].([]any) {
		switch a.(map[string]any)["severity"] {
		case "critical":
			want = exitCritical
		case "warning":
			if want == exitOK {
				want = exitWarning
			}
		}
	}
	if code != want {
		t.Errorf("exit %d, want %d for alerts %v", code, want, s["alerts"])
	}
}

func TestOnceSummary(t *testing.T) {
	p := writeConfig(t, offline)
	_, stdout, _ := runCLI("--config", p, "--once")
	for _, want := range []string{"host     cpu ", "disk     / ", "postgres "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
}

// --once exits 1 with a warning and 2 with a critical alert, so cron can tell them apart.
func TestOnceExitCodeFollowsAlerts(t *testing.T) {
	quiet := offline + `alerts:
  rules:
    container_health: {enabled: false}
    host_disk: {enabled: false}
    host_cpu: {enabled: false}
`
	for _, tc := range []struct {
		rule string
		want int
	}{
		{"    host_ram: {warning: 0.01, critical: 99.99}\n", exitWarning},
		{"    host_ram: {warning: 0.01, critical: 0.02}\n", exitCritical},
		{"    host_ram: {enabled: false}\n", exitOK},
	} {
		p := writeConfig(t, quiet+tc.rule)
		code, stdout, stderr := runCLI("--config", p, "--once")
		if code != tc.want {
			t.Errorf("%s: exit %d, want %d\n%s%s", strings.TrimSpace(tc.rule), code, tc.want, stdout, stderr)
		}
	}
}

// A log file that cannot be written never stops alerting; the reason is reported once,
// at exit.
func TestAlertLogFileErrorReportedAtExit(t *testing.T) {
	p := writeConfig(t, offline+"alerts:\n  log_file: /nonexistent-dir/alerts.jsonl\n  rules:\n    host_ram: {warning: 0.01, critical: 99.99}\n")
	code, _, stderr := runCLI("--config", p, "--once")
	if code == exitOK || code == exitUnknown {
		t.Errorf("exit %d: the alert must still count", code)
	}
	if !strings.Contains(stderr, "alert log file") || !strings.Contains(stderr, "nonexistent-dir") {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestFlagsAfterPositionalWords(t *testing.T) {
	f, err := parseFlags([]string{"--serve", "0.0.0.0:9", "--config", "x.yaml", "--interval", "2s"}, io.Discard)
	if err != nil || f.serveAddr != "0.0.0.0:9" || f.configFile != "x.yaml" || f.interval != 2*time.Second {
		t.Errorf("got %+v, %v", f, err)
	}
	f, err = parseFlags([]string{"config", "--env-file", ".env"}, io.Discard)
	if err != nil || f.subcommand != "config" || f.envFile != ".env" {
		t.Errorf("got %+v, %v", f, err)
	}
	if _, err := parseFlags([]string{"--serve", "a:1", "b:2"}, io.Discard); err == nil {
		t.Error("two addresses must be a usage error")
	}
}
