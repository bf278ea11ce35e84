package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/tui"
)

// The tests in this file run real sources through the engine and the resolver (the
// wiring every mode uses: newEngine) into the TUI's view and the feed's frame, and
// check what a user reads there.

// closedURL is an address where nothing listens (the port is bound, then released).
func closedURL(t *testing.T, scheme string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return scheme + "://" + addr
}

// screenAndFrame collects two ticks with cfg through newEngine and returns the TUI's
// view of it (160×48, no colour) and the feed's /api/system/performance body.
func screenAndFrame(t *testing.T, cfg config.Config) (screen string, frame map[string]any) {
	t.Helper()
	store := history.NewStore()
	eng, built, err := newEngine(cfg, store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { built.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Two ticks: rates and the Redis hit ratio need a second sample (before it, the page's
	// wire leaves the Redis card out: wire/pagerules.go).
	eng.Tick(ctx)
	s := eng.Tick(ctx)

	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	m := tui.New(tui.Options{Engine: eng, History: store, Renderer: r, NoColor: true, Location: time.UTC})
	defer m.Close()
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	m.Update(tui.SnapshotMsg{Snapshot: s})
	screen = m.View()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- startFeed(ctx, eng, store, cfg, ln, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/api/system/performance")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&frame); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("feed: HTTP %d, %v", resp.StatusCode, err)
	}
	cancel()
	<-done
	return screen, frame
}

func unreachableStack(t *testing.T) config.Config {
	cfg := config.Default()
	cfg.Interval, cfg.SourceTimeout = config.Duration(2*time.Second), config.Duration(time.Second)
	cfg.GPU.Enabled = false
	cfg.Backend.URL = config.SecretURL(closedURL(t, "http"))
	cfg.Frontend.URL = config.SecretURL(closedURL(t, "http"))
	cfg.Detector.URL = config.SecretURL(closedURL(t, "http"))
	cfg.LLM.URL = config.SecretURL(closedURL(t, "http"))
	cfg.Prometheus.URL = config.SecretURL(closedURL(t, "http"))
	cfg.Redis.URL = config.SecretURL(closedURL(t, "redis") + "/0")
	cfg.Postgres.DSN = config.SecretURL(closedURL(t, "postgres") + "/security?sslmode=disable")
	return cfg
}

// TestScreenSaysWhyLatencyIsUnknown: with every service unreachable, the Inference
// panel says for each latency which sources were asked and why none answered, and the
// page's frame carries the same reasons with the latencies null.
func TestScreenSaysWhyLatencyIsUnknown(t *testing.T) {
	screen, frame := screenAndFrame(t, unreachableStack(t))
	for _, label := range []string{"detector", "llm", "pipeline"} {
		if !reasonShown(screen, label, "connection refused") {
			t.Errorf("the Inference panel does not say why the %s latency is unknown:\n%s", label, screen)
		}
	}
	inf := frame["inference"].(map[string]any)
	errs, _ := inf["errors"].(map[string]any)
	for _, part := range []snapshot.Part{snapshot.PartDetect, snapshot.PartAnalyze, snapshot.PartPipeline} {
		if inf[string(part)] != nil {
			t.Errorf("%s = %v, want null", part, inf[string(part)])
		}
		reason, _ := errs[string(part)].(string)
		for _, src := range []string{"prometheus: ", "backend: ", "redis: "} {
			if !strings.Contains(reason, src) {
				t.Errorf("%s reason %q does not name %s", part, reason, src)
			}
		}
	}
}

// reasonShown reports whether a warning line (▲) names part and says why.
func reasonShown(screen, part, why string) bool {
	for _, line := range strings.Split(screen, "\n") {
		if i := strings.Index(line, "▲"); i >= 0 && strings.Contains(line[i:], part) && strings.Contains(line[i:], why) {
			return true
		}
	}
	return false
}

// TestScreenShowsTheServicesNumbers: the recorded detector, LLM and backend answers and
// the harness's Redis reach the screen and the frame through the resolver.
func TestScreenShowsTheServicesNumbers(t *testing.T) {
	cfg := unreachableStack(t)
	cfg.Backend.URL = config.SecretURL(fixtureServer(t, map[string]string{
		"/api/system/stats": "backend-stats.json", "/api/system/health/ready": "backend-health-ready-200.json",
		"/api/system/telemetry": "backend-telemetry.json", "/health": "backend-health-ready-200.json",
	}).URL)
	cfg.Detector.URL = config.SecretURL(fixtureServer(t, map[string]string{"/health": "detector-health-rtdetr.json"}).URL)
	cfg.LLM.URL = config.SecretURL(fixtureServer(t, map[string]string{"/health": "llm-health-ok.json", "/slots": "llm-slots-current.json"}).URL)
	cfg.Redis.URL = config.SecretURL(testenv.RedisURL(t))
	screen, frame := screenAndFrame(t, cfg)

	models := frame["ai_models"].(map[string]any)
	det := models["rtdetr"].(map[string]any)
	if det["status"] != "healthy" || det["model"] == nil {
		t.Fatalf("detector card = %v", det)
	}
	if model := det["model"].(string); !strings.Contains(screen, model) {
		t.Errorf("the screen lacks the detector's model %q", model)
	}
	inf := frame["inference"].(map[string]any)
	lat, _ := inf["rtdetr_latency_ms"].(map[string]any)
	if lat == nil || lat["source"] != "backend" {
		t.Fatalf("detect latency = %v: the backend's telemetry must win over Redis while Prometheus is down", inf["rtdetr_latency_ms"])
	}
	if p95, _ := lat["p95"].(float64); !strings.Contains(screen, fmt.Sprintf("Detector p95 %.0f ms", p95)) {
		t.Errorf("the Inference panel does not show the backend's detector p95 %v:\n%s", lat["p95"], screen)
	}
	redis := frame["databases"].(map[string]any)["redis"].(map[string]any)
	if redis["status"] != "healthy" || redis["memory_mb"] == nil {
		t.Errorf("redis card = %v", redis)
	}
}
