// Command fakestack serves the recorded service responses (embedded from
// internal/fixtures, or read from -fixtures DIR) on
// loopback, as the backend, the detector, llama.cpp and the frontend would, so hsi-top
// can be run, measured and demonstrated without the real stack.
//
//	go run ./cmd/fakestack -config-out /tmp/hsi-top.yaml
//
// It prints the addresses and, with -config-out, writes a hsi-top config pointing at them
// (plus -postgres and -redis when given). It serves until interrupted.
//
//	go run ./cmd/fakestack -simulated -config-out /tmp/hsi-top.yaml
//
// serves hsi-top demo's whole simulated stack instead (package demo: the same services,
// a small Redis and PostgreSQL, a Docker-shaped Engine API), so the dashboard can be run
// and measured as on the box, with its services in another process (scripts/overhead.sh).
// Its config leaves the GPU to the machine's own driver.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hsi-top/hsi-top/internal/fixtures"
)

type service struct {
	name   string
	routes map[string]string // path → fixture file
}

var services = []service{
	{"backend", map[string]string{
		"/api/system/stats":        "backend-stats.json",
		"/api/system/health/ready": "backend-health-ready-200.json",
		"/api/system/telemetry":    "backend-telemetry.json",
		"/health":                  "llm-health-ok.json",
	}},
	{"detector", map[string]string{"/health": "detector-health-rtdetr.json"}},
	{"llm", map[string]string{"/health": "llm-health-ok.json", "/slots": "llm-slots-current.json", "/metrics": "llm-metrics.txt",
		"/props": "llm-props.json", "/v1/models": "llm-models.json"}},
	{"frontend", map[string]string{"/health": "llm-health-ok.json"}},
}

func main() {
	dir := flag.String("fixtures", "", "read the fixtures from `DIR` instead of the embedded copy")
	configOut := flag.String("config-out", "", "write a hsi-top config pointing at the fakes to `FILE`")
	pg := flag.String("postgres", "", "PostgreSQL `DSN` to put in the config")
	redis := flag.String("redis", "", "Redis `URL` to put in the config")
	interval := flag.Duration("interval", time.Second, "collection interval to put in the config")
	simulated := flag.Bool("simulated", false, "serve hsi-top demo's simulated stack (services, Redis, PostgreSQL, Engine API)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *simulated {
		if err := serveSimulated(ctx, *configOut, *interval); err != nil {
			fmt.Fprintf(os.Stderr, "fakestack: %v\n", err)
			os.Exit(3)
		}
		return
	}
	urls := map[string]string{}
	for _, svc := range services {
		mux := http.NewServeMux()
		for path, file := range svc.routes {
			body, err := readFixture(*dir, file)
			if err != nil {
				fmt.Fprintf(os.Stderr, "fakestack: %v\n", err)
				os.Exit(3)
			}
			ctype := "application/json"
			if filepath.Ext(file) == ".txt" {
				ctype = "text/plain; version=0.0.4"
			}
			mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", ctype)
				w.Write(body)
			})
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintf(os.Stderr, "fakestack: %v\n", err)
			os.Exit(3)
		}
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		go func() { <-ctx.Done(); srv.Close() }()
		urls[svc.name] = "http://" + ln.Addr().String()
		fmt.Printf("%-9s %s\n", svc.name, urls[svc.name])
	}
	if *configOut != "" {
		cfg := fmt.Sprintf("interval: %s\nsource_timeout: %s\nbackend: {url: %q}\ndetector: {url: %q}\nllm: {url: %q}\nfrontend: {url: %q}\nprometheus: {enabled: false}\n",
			*interval, *interval*8/10, urls["backend"], urls["detector"], urls["llm"], urls["frontend"])
		if *pg != "" {
			cfg += fmt.Sprintf("postgres: {dsn: %q}\n", *pg)
		} else {
			cfg += "postgres: {enabled: false}\n"
		}
		if *redis != "" {
			cfg += fmt.Sprintf("redis: {url: %q}\n", *redis)
		} else {
			cfg += "redis: {enabled: false}\n"
		}
		if err := os.WriteFile(*configOut, []byte(cfg), 0o600); err != nil {
			fmt.Fprintf(os.Stderr, "fakestack: %v\n", err)
			os.Exit(3)
		}
		fmt.Printf("config    %s\n", *configOut)
	}
	<-ctx.Done()
}

// readFixture reads a fixture from dir, or from the embedded copy when dir is empty.
func readFixture(dir, name string) ([]byte, error) {
	if dir == "" {
		return fixtures.Read(name)
	}
	return os.ReadFile(filepath.Join(dir, name))
}
