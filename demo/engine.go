package demo

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hsi-top/hsi-top/internal/rawio"
)

// demoContainers are the simulated stack's containers as the Engine API lists them: all
// running, the LLM restarted once, three with a health check.
var demoContainers = []struct {
	id, service, image string
	health             string
	restarts           int
	cpuShare           float64 // of one CPU
	memMiB             uint64
}{
	{"b4c4e0d0a1f2", "backend", "ghcr.io/hsi/backend:2.4", "healthy", 0, 0.08, 412},
	{"f4e0d0a1b2c3", "frontend", "ghcr.io/hsi/frontend:2.4", "", 0, 0.01, 38},
	{"90d0a1b2c3d4", "postgres", "postgres:16", "", 0, 0.03, 286},
	{"7ed1a1b2c3d4", "redis", "redis:7.2", "", 0, 0.01, 12},
	{"de7ec7000001", "ai-detector", "ghcr.io/hsi/rtdetr:1.3", "healthy", 0, 0.55, 2140},
	{"11a4a5e7e001", "ai-llm", "ghcr.io/ggml-org/llama.cpp:server-cuda", "healthy", 1, 0.22, 3300},
}

// startEngine serves a Docker-shaped Engine API (GET only) on a unix socket in a new
// temporary directory, so the demo's Containers panel shows runtime details without a
// real daemon (and never reads the host's). It returns the socket and a stop function.
func startEngine(start time.Time) (string, func(), error) {
	dir, err := os.MkdirTemp("", "hsi-demo")
	if err != nil {
		return "", nil, err
	}
	socket := filepath.Join(dir, "engine.sock")
	ln, err := net.Listen("unix", socket)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	srv := &http.Server{Handler: engineHandler(start), ReadHeaderTimeout: time.Second}
	go srv.Serve(rawio.Listener(ln))
	return socket, func() { srv.Close(); os.RemoveAll(dir) }, nil
}

func engineHandler(start time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, "read-only demo engine", http.StatusMethodNotAllowed)
			return
		}
		enc := json.NewEncoder(w)
		p := r.URL.Path
		up := time.Since(start).Seconds() + 7200
		switch {
		case p == "/version":
			enc.Encode(map[string]any{"Version": "27.3.1 (demo)"})
		case p == "/containers/json":
			list := make([]map[string]any, 0, len(demoContainers))
			for _, c := range demoContainers {
				list = append(list, map[string]any{"Id": c.id + strings.Repeat("0", 52), "Names": []string{"/hsi-" + c.service + "-1"},
					"Image": c.image, "State": "running", "Labels": map[string]string{"com.docker.compose.service": c.service}})
			}
			enc.Encode(list)
		default:
			id, rest, _ := strings.Cut(strings.TrimPrefix(p, "/containers/"), "/")
			for _, c := range demoContainers {
				if !strings.HasPrefix(id, c.id) {
					continue
				}
				if rest == "stats" {
					enc.Encode(map[string]any{
						"cpu_stats":    map[string]any{"cpu_usage": map[string]any{"total_usage": uint64(up * c.cpuShare * 1e9)}, "system_cpu_usage": uint64(up * 16e9), "online_cpus": 16},
						"memory_stats": map[string]any{"usage": c.memMiB << 20, "limit": uint64(31) << 30, "stats": map[string]any{"inactive_file": 0}},
					})
					return
				}
				state := map[string]any{"Status": "running", "ExitCode": 0, "OOMKilled": false,
					"StartedAt": start.Add(-2 * time.Hour).UTC().Format(time.RFC3339Nano)}
				if c.health != "" {
					state["Health"] = map[string]any{"Status": c.health, "Log": []map[string]any{{"ExitCode": 0, "Output": "ok"}}}
				}
				enc.Encode(map[string]any{"Id": c.id, "RestartCount": c.restarts, "State": state})
				return
			}
			http.NotFound(w, r)
		}
	})
}
