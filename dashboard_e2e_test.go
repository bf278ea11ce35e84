package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/internal/fixtures"
	"github.com/hsi-top/hsi-top/internal/testenv"
)

// fixtureServer replays the stack's HTTP services from the embedded fixtures.
func fixtureServer(t *testing.T, routes map[string]string) *httptest.Server {
	t.Helper()
	h, err := fixtures.Handler(routes)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// tmuxPane is a detached tmux session, on a server socket of its own, running one
// shell command.
type tmuxPane struct {
	t          *testing.T
	name, sock string
}

// startTmux starts shell in a w×h pane on the tmux server sock; the session is killed
// when the test ends.
func startTmux(t *testing.T, sock string, w, h int, shell string) tmuxPane {
	t.Helper()
	p := tmuxPane{t: t, name: fmt.Sprintf("%s-%d", sock, os.Getpid()), sock: sock}
	p.run("new-session", "-d", "-s", p.name, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), shell)
	t.Cleanup(func() { exec.Command("tmux", "-L", sock, "kill-session", "-t", p.name).Run() })
	return p
}

// run runs a tmux command on the pane's server and returns its output.
func (p tmuxPane) run(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", p.sock}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// capture is the pane's screen as text.
func (p tmuxPane) capture() string { return p.run("capture-pane", "-p", "-t", p.name) }

// waitFor polls the screen every 50 ms, at most tries times, until ok holds, and fails
// the test with the last screen otherwise.
func (p tmuxPane) waitFor(what string, tries int, ok func(string) bool) string {
	p.t.Helper()
	var screen string
	for range tries {
		if screen = p.capture(); ok(screen) {
			return screen
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("waiting for %s; the screen is:\n%s", what, screen)
	return ""
}

func contains(subs ...string) func(string) bool {
	return func(screen string) bool {
		for _, s := range subs {
			if !strings.Contains(screen, s) {
				return false
			}
		}
		return true
	}
}

// TestDashboardInTmux runs the real binary in a 120×40 tmux pane against fixture-replaying
// fakes (and the harness's PostgreSQL and Redis when it runs), drives it with send-keys
// and checks every screen, a resize to 40×10 and back, the exit status and that the
// alternate screen was left.
func TestDashboardInTmux(t *testing.T) {
	dir, bin := tmuxBinary(t)
	backend := fixtureServer(t, map[string]string{
		"/api/system/stats": "backend-stats.json", "/api/system/health/ready": "backend-health-ready-200.json",
		"/api/system/telemetry": "backend-telemetry.json", "/health": "backend-health-ready-200.json",
	})
	detector := fixtureServer(t, map[string]string{"/health": "detector-health-rtdetr.json"})
	llm := fixtureServer(t, map[string]string{"/health": "llm-health-ok.json", "/slots": "llm-slots-current.json", "/metrics": "llm-metrics.txt"})
	frontend := fixtureServer(t, map[string]string{"/health": "llm-health-ok.json"})

	// The harness's real servers when scripts/test.sh started them; under CI they must be.
	pg, redis := os.Getenv("HSI_TEST_PG_DSN"), os.Getenv("HSI_TEST_REDIS_URL")
	if os.Getenv("CI") != "" {
		pg, redis = testenv.PostgresDSN(t), testenv.RedisURL(t)
	}
	pgBlock := "postgres: {enabled: false}"
	if pg != "" {
		pgBlock = fmt.Sprintf("postgres: {enabled: true, dsn: %q}", pg)
	}
	redisBlock := "redis: {enabled: false}"
	if redis != "" {
		redisBlock = fmt.Sprintf("redis: {enabled: true, url: %q}", redis)
	}
	cfg := fmt.Sprintf(`interval: 1s
source_timeout: 500ms
gpu: {enabled: false}
prometheus: {enabled: false}
backend: {enabled: true, url: %q}
detector: {enabled: true, url: %q}
llm: {enabled: true, url: %q}
frontend: {enabled: true, url: %q}
%s
%s
`, backend.URL, detector.URL, llm.URL, frontend.URL, pgBlock, redisBlock)
	cfgFile := filepath.Join(dir, "hsi-top.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	exitFile := filepath.Join(dir, "exit")

	// --listen serves the feed beside the dashboard, from the same engine.
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	feedAddr := probe.Addr().String()
	probe.Close()
	shell := fmt.Sprintf("cd %q && NO_COLOR=1 TERM=xterm-256color %q --config %q --listen %s; echo $? > %q; sleep 60", dir, bin, cfgFile, feedAddr, exitFile)
	s := startTmux(t, "hsi-top-e2e", 120, 40, shell)
	run, capture := s.run, s.capture
	waitFor := func(what string, ok func(string) bool) string { t.Helper(); return s.waitFor(what, 200, ok) }
	altScreen := func() string { return strings.TrimSpace(run("display-message", "-p", "-t", s.name, "#{alternate_on}")) }

	first := waitFor("the dashboard", contains("hsi-top", "[5m]", "● Live", "workers running", "─ GPU ", "─ Containers ", "? help", "q quit"))
	t.Logf("120x40 screen:\n%s", first)
	if altScreen() != "1" {
		t.Fatal("the dashboard is not on the alternate screen")
	}
	if strings.Count(strings.TrimRight(first, "\n"), "\n") > 39 {
		t.Fatal("more than 40 lines drawn")
	}

	var perf struct {
		Host struct {
			RAMTotalGB *float64 `json:"ram_total_gb"`
		} `json:"host"`
		AIModels map[string]struct {
			Status string `json:"status"`
		} `json:"ai_models"`
	}
	resp, err := http.Get("http://" + feedAddr + "/api/system/performance")
	if err != nil {
		t.Fatalf("--listen feed: %v", err)
	}
	err = json.NewDecoder(resp.Body).Decode(&perf)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || perf.Host.RAMTotalGB == nil || perf.AIModels["nemotron"].Status != "healthy" {
		t.Fatalf("--listen feed answered %d %v: %+v", resp.StatusCode, err, perf)
	}

	run("send-keys", "-t", s.name, "3")
	waitFor("the 60m range", contains("[60m]", "· 60m"))

	run("send-keys", "-t", s.name, "p")
	paused := waitFor("pause", contains("❚❚ Paused"))
	body := func(screen string) string { return screen[strings.Index(screen, "\n"):] }
	time.Sleep(2500 * time.Millisecond) // two collection ticks pass while paused
	if now := capture(); body(now) != body(paused) {
		t.Fatalf("the paused screen changed:\n%s\n--- was\n%s", now, paused)
	}

	run("send-keys", "-t", s.name, "?")
	waitFor("the help overlay", contains("Help", "next GPU", "PgDn", "collect now"))
	run("send-keys", "-t", s.name, "?")
	waitFor("help closed", func(sc string) bool { return !strings.Contains(sc, "PgDn") && strings.Contains(sc, "workers running") })

	run("resize-window", "-t", s.name, "-x", "40", "-y", "10")
	waitFor("the 40×10 compact view", func(sc string) bool {
		return strings.Contains(sc, "GPU") && strings.Contains(sc, "Cont") && strings.Contains(sc, "? help") && !strings.Contains(sc, "╭─")
	})
	run("resize-window", "-t", s.name, "-x", "120", "-y", "40")
	waitFor("the full view again", contains("workers running", "[60m]", "❚❚ Paused"))

	run("send-keys", "-t", s.name, "p")
	waitFor("resume", contains("● Live"))

	run("send-keys", "-t", s.name, "q")
	wantExitZero(t, exitFile)
	if altScreen() != "0" {
		t.Fatal("the alternate screen was not left")
	}
	if sc := capture(); strings.Contains(sc, "workers running") {
		t.Fatalf("the dashboard is still on the screen after quitting:\n%s", sc)
	}
}

// TestDemoInTmux runs `hsi-top demo --theme light` in a 120×40 tmux pane: the header says
// DEMO, both simulated GPUs and every panel are on the first screen in the light
// palette, `a` opens and esc closes the alert log, `g` moves the selection without
// moving anything else, a resize to 80×24 keeps every panel with `? help` and `q quit`,
// and q exits 0.
func TestDemoInTmux(t *testing.T) {
	dir, bin := tmuxBinary(t)
	exitFile := filepath.Join(dir, "exit")
	// CI set in the environment makes termenv treat the terminal as no TTY (no colour); an
	// operator's terminal has no CI, so the program under test runs without it.
	shell := fmt.Sprintf("cd %q && env -u CI TERM=xterm-256color %q demo --theme light --interval 1s --config /dev/null 2>/dev/null; echo $? > %q; sleep 60", dir, bin, exitFile)
	s := startTmux(t, "hsi-top-e2e-demo", 120, 40, shell)
	run, capture := s.run, s.capture
	waitFor := func(what string, ok func(string) bool) string { t.Helper(); return s.waitFor(what, 200, ok) }
	panels := []string{"─ GPU ", "─ AI Models ", "─ Inference ", "─ Databases ", "─ Host ", "─ Containers ", "? help", "q quit"}
	first := waitFor("the demo", contains(append(panels, "DEMO", "RTX A5500", "RTX A2000", "ai-llm")...))
	t.Logf("demo at 120x40:\n%s", first)

	// The light palette: the title's near-black (#1A1A1A), not the dark theme's near-white.
	coloured := run("capture-pane", "-e", "-p", "-t", s.name)
	if !strings.Contains(coloured, "38;5;232m") && !strings.Contains(coloured, "38;2;26;26;26m") {
		t.Errorf("--theme light did not draw the light palette's title colour:\n%q", coloured[:min(len(coloured), 400)])
	}

	run("send-keys", "-t", s.name, "a")
	waitFor("the alert log", contains("Active alerts", "Cleared"))
	run("send-keys", "-t", s.name, "Escape")
	waitFor("the dashboard again", func(sc string) bool {
		return !strings.Contains(sc, "Active alerts") && strings.Contains(sc, "─ GPU ")
	})

	before := capture()
	run("send-keys", "-t", s.name, "g")
	after := waitFor("GPU1 selected", contains("▸ 1 RTX A2000"))
	if lineOf(after, "─ AI Models") != lineOf(before, "─ AI Models") {
		t.Errorf("g moved the panels below the GPU:\n%s\n--- was\n%s", after, before)
	}

	run("resize-window", "-t", s.name, "-x", "80", "-y", "24")
	small := waitFor("every panel at 80×24", func(sc string) bool {
		return contains(panels...)(sc) && strings.Count(strings.TrimRight(sc, "\n"), "\n") <= 23
	})
	t.Logf("demo at 80x24:\n%s", small)
	run("resize-window", "-t", s.name, "-x", "200", "-y", "60")
	waitFor("the 200×60 view", contains(append(panels, "Processes GPU1")...))

	// A pasted "q" is pasted text (bracketed paste), not the quit key: the help key sent
	// after it is still answered.
	run("set-buffer", "-b", "pasted", "q")
	run("paste-buffer", "-p", "-b", "pasted", "-t", s.name)
	run("send-keys", "-t", s.name, "?")
	waitFor("the help after a pasted q", contains("─ Help "))
	run("send-keys", "-t", s.name, "Escape")

	run("send-keys", "-t", s.name, "q")
	wantExitZero(t, exitFile)
}

// lineOf is the number of the screen's first line holding sub, or -1.
func lineOf(screen, sub string) int {
	for i, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, sub) {
			return i
		}
	}
	return -1
}

// tmuxBinary builds hsi-top into a fresh directory for a test that drives the real
// binary in tmux, and returns both. tmux is required under CI; -short skips the build.
func tmuxBinary(t *testing.T) (dir, bin string) {
	t.Helper()
	lookTool(t, "tmux")
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir = t.TempDir()
	bin = filepath.Join(dir, "hsi-top")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir, bin
}

// wantExitZero waits (10 s at most) for the pane's shell to write the program's exit
// status to exitFile, and fails the test unless it is 0.
func wantExitZero(t *testing.T, exitFile string) {
	t.Helper()
	var code []byte
	for range 200 {
		if b, err := os.ReadFile(exitFile); err == nil && len(b) > 0 {
			code = b
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := strings.TrimSpace(string(code)); got != "0" {
		t.Fatalf("exit status %q, want 0", got)
	}
}
