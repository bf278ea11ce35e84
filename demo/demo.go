// Package demo is hsi-top's built-in simulated stack, for `hsi-top demo`: the recorded
// service responses (internal/fixtures) served on loopback as the backend, the detector,
// llama.cpp and the frontend would; a small Redis and a small PostgreSQL that answer
// hsi-top's own queries with numbers that move; and, in cgo builds, two simulated NVIDIA GPUs (go-nvml's
// mock) whose load, temperature, power and per-process memory vary with periodic spikes.
// Everything listens on 127.0.0.1 only, reads and writes with raw system calls as the
// collector's clients do (internal/rawio), and stops with Close.
package demo

import (
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/hsi-top/hsi-top/collector"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/fixtures"
	"github.com/hsi-top/hsi-top/internal/rawio"
)

// Hostname is the host the demo's snapshots name.
const Hostname = "demo-gpu-box"

// routes are each fake service's paths and the fixture each answers with.
var routes = map[string]map[string]string{
	"backend": {
		"/api/system/stats":        "backend-stats.json",
		"/api/system/health/ready": "backend-health-ready-200.json",
		"/api/system/telemetry":    "backend-telemetry.json",
		"/health":                  "llm-health-ok.json",
	},
	"detector": {"/health": "detector-health-rtdetr.json"},
	"llm": {"/health": "llm-health-ok.json", "/slots": "llm-slots-current.json", "/metrics": "llm-metrics.txt",
		"/props": "llm-props.json", "/v1/models": "llm-models.json"},
	"frontend": {"/health": "llm-health-ok.json"},
}

// Stack is the running simulation.
type Stack struct {
	servers  map[string]*httptest.Server
	redis    *fakeRedis
	postgres *fakePostgres
	start    time.Time
	// engineSocket is the simulated Engine API (engine.go); "" when it could not start.
	engineSocket string
	stopEngine   func()
}

// Start serves every fake service on a loopback port.
func Start() (*Stack, error) {
	s := &Stack{servers: map[string]*httptest.Server{}, start: time.Now()}
	for name, rs := range routes {
		h, err := fixtures.Handler(rs)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("demo: %w", err)
		}
		srv := httptest.NewUnstartedServer(h)
		srv.Listener = rawio.Listener(srv.Listener)
		srv.Start()
		s.servers[name] = srv
	}
	r, err := startRedis(s.start)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("demo redis: %w", err)
	}
	s.redis = r
	pg, err := startPostgres(s.start)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("demo postgres: %w", err)
	}
	s.postgres = pg
	if socket, stop, err := startEngine(s.start); err == nil {
		s.engineSocket, s.stopEngine = socket, stop
	}
	return s, nil
}

// Config points cfg's services at the fakes: the backend, detector, LLM, frontend,
// Redis and PostgreSQL; Prometheus, the real GPU and notifications are off (the
// simulated GPUs come from Sources), and the container rows probe the services.
func (s *Stack) Config(cfg config.Config) config.Config {
	cfg.Backend.Enabled, cfg.Backend.URL = true, config.SecretURL(s.servers["backend"].URL)
	cfg.Detector.Enabled, cfg.Detector.URL = true, config.SecretURL(s.servers["detector"].URL)
	cfg.LLM.Enabled, cfg.LLM.URL = true, config.SecretURL(s.servers["llm"].URL)
	cfg.Frontend.Enabled, cfg.Frontend.URL = true, config.SecretURL(s.servers["frontend"].URL)
	cfg.Redis.Enabled, cfg.Redis.URL, cfg.Redis.Password = true, config.SecretURL("redis://"+s.redis.addr()+"/0"), ""
	cfg.Postgres.Enabled, cfg.Postgres.DSN, cfg.Postgres.PoolSize = true, config.SecretURL(s.postgres.dsn()), 0
	cfg.Prometheus.Enabled = false
	cfg.GPU.Enabled = false
	// A simulation sends nothing: no notification, no heartbeat.
	cfg.Notify = config.DefaultNotify()
	// The simulated Engine API, never the host's socket (without it: probes only).
	cfg.ContainersRuntime = config.ContainersRuntimeConfig{Enabled: s.engineSocket != "", Socket: s.engineSocket}
	cfg.Containers = []config.ContainerConfig{
		{Name: "backend", Probe: "backend"}, {Name: "frontend", Probe: "frontend"}, {Name: "postgres", Probe: "postgres"}, {Name: "redis", Probe: "redis"},
		{Name: "ai-detector", Probe: "detector"}, {Name: "ai-llm", Probe: "llm"},
	}
	return cfg
}

// Sources are the simulated sources to add to the configured ones: the two GPUs (none in
// a build without cgo, whose GPU panel says so).
func (s *Stack) Sources() []collector.Source { return simulatedGPUs(s.start) }

// Close stops every fake service.
func (s *Stack) Close() {
	for _, srv := range s.servers {
		srv.Close()
	}
	if s.redis != nil {
		s.redis.close()
	}
	if s.postgres != nil {
		s.postgres.close()
	}
	if s.stopEngine != nil {
		s.stopEngine()
	}
}
