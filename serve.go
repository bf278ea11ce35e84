package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"

	"hsi-top/collector"
	"hsi-top/config"
	"hsi-top/feed"
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
	eng, built, err := newEngine(cfg)
	if err != nil {
		ln.Close()
		fmt.Fprintf(stderr, "hsi-top: %v\n", err)
		return exitUnknown
	}
	defer built.Close()
	if err := serveFeed(ctx, eng, cfg, ln, log); err != nil {
		fmt.Fprintf(stderr, "hsi-top: %v\n", err)
		return exitUnknown
	}
	return exitOK
}

// serveFeed runs the engine and the feed server on ln until ctx ends, then stops both.
// The dashboard's --listen uses it too, with the dashboard's own engine run elsewhere:
// pass a nil eng runner there (see startFeed).
func serveFeed(ctx context.Context, eng *collector.Engine, cfg config.Config, ln net.Listener, log *slog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		eng.Run(ctx)
	}()
	err := startFeed(ctx, eng, cfg, ln, log)
	cancel()
	wg.Wait()
	return err
}

// startFeed serves the feed of an engine that runs elsewhere on ln until ctx ends; the
// dashboard's --listen can call it in a goroutine beside the TUI.
func startFeed(ctx context.Context, eng *collector.Engine, cfg config.Config, ln net.Listener, log *slog.Logger) error {
	srv, err := feed.New(feed.Options{
		Config:          cfg.Serve,
		Source:          eng,
		Logger:          log,
		CollectInterval: eng.Interval(),
	})
	if err != nil {
		ln.Close()
		return err
	}
	return srv.Serve(ctx, ln)
}
