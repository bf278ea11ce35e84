package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/demo"
)

// serveSimulated serves the demo's simulated stack until ctx ends, after writing a config
// pointing at it to configOut (when set).
func serveSimulated(ctx context.Context, configOut string, interval time.Duration) error {
	st, err := demo.Start()
	if err != nil {
		return err
	}
	defer st.Close()
	cfg := st.Config(config.Default())
	text := simulatedConfig(cfg, interval)
	fmt.Print(text)
	if configOut != "" {
		if err := os.WriteFile(configOut, []byte(text), 0o600); err != nil {
			return err
		}
		fmt.Printf("# config written to %s\n", configOut)
	}
	<-ctx.Done()
	return nil
}

// simulatedConfig is a hsi-top config for the stack cfg points at: its services, Redis,
// PostgreSQL, Engine API socket and container rows. The GPU is left to the machine
// (NVML when it has a driver), Prometheus and notifications are off.
func simulatedConfig(cfg config.Config, interval time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "interval: %s\nsource_timeout: %s\n", interval, interval*8/10)
	fmt.Fprintf(&b, "backend: {url: %q}\ndetector: {url: %q}\nllm: {url: %q}\nfrontend: {url: %q}\n",
		cfg.Backend.URL.Value(), cfg.Detector.URL.Value(), cfg.LLM.URL.Value(), cfg.Frontend.URL.Value())
	fmt.Fprintf(&b, "redis: {url: %q}\npostgres: {dsn: %q}\nprometheus: {enabled: false}\n", cfg.Redis.URL.Value(), cfg.Postgres.DSN.Value())
	if cfg.ContainersRuntime.Enabled {
		fmt.Fprintf(&b, "containers_runtime: {socket: %q}\n", cfg.ContainersRuntime.Socket)
	} else {
		b.WriteString("containers_runtime: {enabled: false}\n")
	}
	b.WriteString("containers:\n")
	for _, c := range cfg.Containers {
		fmt.Fprintf(&b, "  - {name: %q, probe: %q}\n", c.Name, c.Probe.Value())
	}
	return b.String()
}
