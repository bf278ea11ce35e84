package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"golang.org/x/term"

	"github.com/hsi-top/hsi-top/collector"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/internal/fullscreen"
	"github.com/hsi-top/hsi-top/internal/termbg"
	"github.com/hsi-top/hsi-top/tui"
)

// runDashboard runs the terminal UI: the engine collects on its own goroutine and the
// Bubble Tea program draws on the alternate screen until q or ctrl+c (or a signal), then
// the engine is stopped and waited for and the terminal restored.
func runDashboard(ctx context.Context, cfg config.Config, f *cliFlags, stderr io.Writer) int {
	// One processor: the dashboard's work is small and mostly waiting on I/O, and with
	// idle processors to spare the Go scheduler spins looking for work at every wake-up
	// (measured with scripts/overhead.sh: 1.7 % of a core with two, 1.25 % with one).
	// GOMAXPROCS in the environment still wins.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	// The history store is the last stage: it keeps every tick (alerts included) for the
	// charts, paused or not.
	store := history.NewStore()
	// The state file and notifications (watch.go), as in --serve.
	w, err := startWatch(cfg, store, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "hsi-top: %v\n", err)
		return exitUnknown
	}
	eng, built, err := newEngine(cfg, w.stages(store)...)
	if err != nil {
		w.close()
		fmt.Fprintf(stderr, "hsi-top: %v\n", err)
		return exitUnknown
	}
	defer closeBuilt(built, stderr)
	w.run(eng)
	defer w.close() // after the engine stopped (wg.Wait below)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var feedLog syncBuffer
	var wg sync.WaitGroup
	if f.listen != "" {
		if err := listenBeside(ctx, cfg, eng, store, &feedLog, &wg); err != nil {
			fmt.Fprintf(stderr, "hsi-top: %v\n", err)
			return exitUnknown
		}
	}
	defer func() {
		wg.Wait()
		io.WriteString(stderr, feedLog.String())
	}()
	// The history's gaps of the last hour from Prometheus (backfill.go), behind the first
	// frame; a failure is printed at exit with the feed's warnings.
	startBackfill(ctx, cfg.Prometheus, store, &wg, func(line string, failed bool) {
		if failed {
			fmt.Fprintf(&feedLog, "hsi-top: %s\n", line)
		}
	})

	bundles := &incidents{store: store, latest: eng.Latest, dir: ".", now: time.Now} // the i key (incident.go)
	model := dashboardModel(cfg, f, eng, store, w, bundles)
	defer model.Close()

	wg.Add(1)
	go func() {
		defer wg.Done()
		eng.Run(ctx)
	}()
	trimAfterStartup(ctx, &wg, func(line string) { fmt.Fprintf(&feedLog, "hsi-top: %s\n", line) })

	// A frame is written only after a snapshot, a key or a resize changed the view
	// (internal/fullscreen): nothing wakes between snapshots.
	_, runErr := fullscreen.Run(incidentKeys{model, bundles}, fullscreen.Options{Context: ctx})
	interrupted := ctx.Err() != nil // a signal, not a failure
	cancel()
	wg.Wait()
	if runErr != nil && !interrupted {
		fmt.Fprintf(stderr, "hsi-top: dashboard: %v\n", runErr)
		return exitUnknown
	}
	return exitOK
}

// dashboardModel is the live dashboard's screen on eng and store: the configured theme
// and colours, the alert log's snooze keys, and the incident bundle's badge and key.
func dashboardModel(cfg config.Config, f *cliFlags, eng *collector.Engine, store *history.Store, w *watch, bundles *incidents) *tui.Model {
	noColor := cfg.UI.NoColor || os.Getenv("NO_COLOR") != ""
	renderer := newRenderer(cfg.UI.Theme, noColor)
	lipgloss.SetDefaultRenderer(renderer)
	return tui.New(tui.Options{
		Badge:    bundles.Badge,
		Engine:   eng,
		History:  store,
		Renderer: renderer,
		NoColor:  noColor,
		Range:    rangeFromConfig(cfg.UI.Range),
		// The dashboard's colours follow the alert rules' levels.
		Thresholds: tui.ThresholdsFrom(cfg.Alerts.Rules),
		Demo:       f.demo,
		// The alert log's snooze keys (silence.go).
		Silence:  w.dashboardSilence,
		MoreKeys: []tui.HelpKey{{Key: incidentKey, Does: "incident bundle (last hour)"}},
	})
}

// listenBeside serves the feed beside the dashboard (--listen) until ctx ends. It binds
// before the TUI takes the terminal so a taken port fails plainly; the feed's warnings
// cannot be drawn over the dashboard, so they go to logTo, printed when it exits.
func listenBeside(ctx context.Context, cfg config.Config, eng *collector.Engine, store *history.Store, logTo io.Writer, wg *sync.WaitGroup) error {
	ln, err := net.Listen("tcp", cfg.Serve.Addr)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", cfg.Serve.Addr, err)
	}
	log := slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: slog.LevelWarn}))
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := startFeed(ctx, eng, store, cfg, ln, log); err != nil {
			log.Error("feed stopped", "err", err)
		}
	}()
	return nil
}

// syncBuffer is a bytes.Buffer safe for several goroutines (the feed's logger writes to
// it while the dashboard draws).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func rangeFromConfig(s string) tui.Range {
	switch s {
	case "15m":
		return tui.Range15m
	case "60m":
		return tui.Range60m
	}
	return tui.Range5m
}

// newRenderer is the renderer on stdout with the theme's background and the colour
// profile: none with NO_COLOR; at least 256 colours inside screen and tmux (termenv
// takes TERM=screen for a monochrome terminal, while btop and Glances keep their colours
// there). The background is decided now, before the program owns the terminal, so the
// adaptive colours never query it from the UI goroutine.
func newRenderer(theme string, noColor bool) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(os.Stdout)
	switch {
	case noColor:
		r.SetColorProfile(termenv.Ascii)
	case r.ColorProfile() > termenv.ANSI256 && multiplexed(os.Getenv("TERM")):
		r.SetColorProfile(termenv.ANSI256)
	}
	r.SetHasDarkBackground(darkBackground(theme))
	return r
}

// multiplexed reports a TERM of GNU screen or tmux.
func multiplexed(term string) bool {
	return strings.HasPrefix(term, "screen") || strings.HasPrefix(term, "tmux")
}

// darkBackground decides the palette: dark or light as configured, or for auto the
// terminal's own answer to OSC 11 (asked through tmux and screen too), then COLORFGBG.
func darkBackground(theme string) bool {
	switch theme {
	case "dark":
		return true
	case "light":
		return false
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return termbg.Dark(nil, os.Getenv)
	}
	defer tty.Close()
	// Through SyscallConn: File.Fd would put the file in blocking mode, and the read
	// deadline that bounds the wait for an answer would stop working.
	rc, err := tty.SyscallConn()
	if err != nil {
		return termbg.Dark(nil, os.Getenv)
	}
	var old *term.State
	rc.Control(func(fd uintptr) { old, err = term.MakeRaw(int(fd)) })
	if err != nil {
		return termbg.Dark(nil, os.Getenv)
	}
	defer rc.Control(func(fd uintptr) { term.Restore(int(fd), old) })
	return termbg.Dark(tty, os.Getenv)
}
