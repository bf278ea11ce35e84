package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"sync"

	"github.com/hsi-top/hsi-top/collector"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/feed"
	"github.com/hsi-top/hsi-top/history"
)

// runServe runs the collector headless and serves the feed on cfg.Serve.Addr until ctx
// ends (SIGINT, SIGTERM). It exits 0 after a clean shutdown and 3 when the address
// cannot be bound or the engine cannot be built.
func runServe(ctx context.Context, cfg config.Config, stderr io.Writer) int {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// Bind first: a taken port is the likeliest mistake and should fail before any
	// source is started.
	ln, err := net.Listen("tcp", cfg.Serve.Addr)
	if err != nil {
		fmt.Fprintf(stderr, "hsi-top: cannot listen on %s: %v (is another hsi-top or service using that port? pass another address: hsi-top --serve 127.0.0.1:PORT)\n", cfg.Serve.Addr, err)
		return exitUnknown
	}
	// The history store is the last stage, as in the dashboard: it answers
	// /api/system/performance/history.
	store := history.NewStore()
	w, err := startWatch(cfg, store, stderr)
	if err != nil {
		ln.Close()
		fmt.Fprintf(stderr, "hsi-top: %v\n", err)
		return exitUnknown
	}
	eng, built, err := newEngine(cfg, w.stages(store)...)
	if err != nil {
		ln.Close()
		w.close()
		fmt.Fprintf(stderr, "hsi-top: %v\n", err)
		return exitUnknown
	}
	defer closeBuilt(built, stderr)
	w.run(eng)
	defer w.close() // after the engine stopped: the last save sees its last snapshot

	// The backfill and the trim run beside the feed; both end with ctx.
	var background sync.WaitGroup
	defer background.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // before the Wait: a feed that failed to start ends the trim's wait too
	startBackfill(ctx, cfg.Prometheus, store, &background, func(line string, failed bool) {
		if failed {
			log.Warn(line)
		} else {
			log.Info(line)
		}
	})
	trimAfterStartup(ctx, &background, func(line string) { log.Warn(line) })
	if err := serveFeed(ctx, eng, store, cfg, ln, log); err != nil {
		fmt.Fprintf(stderr, "hsi-top: %v\n", err)
		return exitUnknown
	}
	return exitOK
}

// serveFeed runs the engine and the feed server on ln until ctx ends, then stops both.
func serveFeed(ctx context.Context, eng *collector.Engine, hist feed.HistoryReader, cfg config.Config, ln net.Listener, log *slog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		eng.Run(ctx)
	}()
	err := startFeed(ctx, eng, hist, cfg, ln, log)
	cancel()
	wg.Wait()
	return err
}

// startFeed serves the feed of an engine that runs elsewhere on ln until ctx ends (then
// it closes every socket with 1001 and returns). The dashboard's --listen can run it in
// a goroutine beside the TUI, with the dashboard's engine and history store, a listener
// bound before the TUI takes the terminal, and a logger that does not write to the
// terminal the TUI draws on.
func startFeed(ctx context.Context, eng *collector.Engine, hist feed.HistoryReader, cfg config.Config, ln net.Listener, log *slog.Logger) error {
	srv, err := feed.New(feed.Options{
		Config:          cfg.Serve,
		Source:          eng,
		History:         hist,
		Logger:          log,
		CollectInterval: eng.Interval(),
		Secrets:         configuredSecrets(cfg),
	})
	if err != nil {
		ln.Close()
		return err
	}
	return srv.Serve(ctx, ln)
}

// configuredSecrets are the services' keys and passwords, which the feed must never
// log (the feed's own API key it knows already).
func configuredSecrets(cfg config.Config) []string {
	out := []string{cfg.Detector.APIKey.Value(), cfg.LLM.APIKey.Value(), cfg.Redis.Password.Value()}
	for _, u := range []config.SecretURL{cfg.Postgres.DSN, cfg.Redis.URL, cfg.Backend.URL, cfg.Prometheus.URL} {
		if parsed, err := url.Parse(u.Value()); err == nil && parsed.User != nil {
			if pw, ok := parsed.User.Password(); ok {
				out = append(out, pw)
			}
		}
	}
	return out
}
