package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"golang.org/x/term"

	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/fullscreen"
	"github.com/hsi-top/hsi-top/record"
	"github.com/hsi-top/hsi-top/remote"
	"github.com/hsi-top/hsi-top/replay"
	"github.com/hsi-top/hsi-top/tui"
)

// recording is --record's file while hsi-top runs; newEngine adds it as the last stage.
var recording *record.Writer

// startRecording opens --record's file; stop closes it (after the engine stopped) and
// reports a write that failed on the way.
func startRecording(path string, stderr io.Writer) (stop func(), err error) {
	w, err := record.Create(record.Options{Path: path})
	if err != nil {
		return nil, err
	}
	recording = w
	return func() {
		if err := w.Close(); err != nil {
			fmt.Fprintf(stderr, "hsi-top: %v\n", err)
		}
		recording = nil
	}, nil
}

// checkRemoteFlags rejects the combinations of --record, --replay and --connect that mean nothing.
func checkRemoteFlags(f *cliFlags) error {
	switch {
	case f.replay != "" && (f.once || f.serve || f.connect != "" || f.record != "" || f.listen != "" || f.demo):
		return usageError{"--replay plays a recording in the dashboard; it combines with --speed only"}
	case f.speed <= 0:
		return usageError{fmt.Sprintf("--speed %g must be above 0", f.speed)}
	case f.connect != "" && (f.once || f.serve || f.listen != "" || f.demo):
		return usageError{"--connect runs the dashboard on a remote --serve; it combines with --api-key and --record"}
	case f.apiKey != "" && f.connect == "":
		return usageError{"--api-key needs --connect"}
	}
	return nil
}

// runConnect runs the dashboard on a remote --serve's feed (--connect), recording what
// it receives with --record.
func runConnect(ctx context.Context, cfg config.Config, f *cliFlags, stdout, stderr io.Writer) int {
	key := f.apiKey
	if key == "" {
		key = os.Getenv("HSI_API_KEY")
	}
	o := remote.Options{URL: f.connect, APIKey: key}
	if recording != nil {
		o.Stage = recording
	}
	src, err := remote.New(o)
	if err != nil {
		fmt.Fprintf(stderr, "hsi-top: %v\n", err)
		return exitUnknown
	}
	if !isTerminal(stdout) {
		fmt.Fprintln(stderr, "hsi-top: standard output is not a terminal, so there is no dashboard to draw the remote in")
		return exitUnknown
	}
	return runViewer(ctx, cfg, viewerSource{engine: src, history: src, badge: src.Badge, run: src.Run}, nil, stderr)
}

// runReplay plays --replay's file in the dashboard at --speed.
func runReplay(ctx context.Context, cfg config.Config, f *cliFlags, stdout, stderr io.Writer) int {
	snaps, err := record.Read(f.replay)
	if err != nil {
		fmt.Fprintf(stderr, "hsi-top: %v\n", err)
		return exitUnknown
	}
	if !isTerminal(stdout) {
		fmt.Fprintf(stderr, "hsi-top: standard output is not a terminal, so there is no dashboard to play %s in\n", f.replay)
		return exitUnknown
	}
	player, err := replay.New(snaps, f.speed)
	if err != nil {
		fmt.Fprintf(stderr, "hsi-top: %v\n", err)
		return exitUnknown
	}
	return runViewer(ctx, cfg, viewerSource{engine: player, history: player, clock: player, badge: player.Badge, run: player.Run, keys: replay.HelpKeys},
		func(m *tui.Model) tea.Model { return replay.Keys{Model: m, Player: player} }, stderr)
}

func isTerminal(w io.Writer) bool {
	file, ok := w.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// viewerSource is what a dashboard without local sources draws from (a replay, a remote).
type viewerSource struct {
	engine  tui.Engine
	history tui.SeriesReader
	clock   clock.Clock
	badge   func() string
	run     func(context.Context)
	// keys are the wrapping model's own keys, for the help.
	keys []tui.HelpKey
}

// runViewer runs the dashboard on src until q, ctrl+c or a signal; wrap may put keys of
// its own around the dashboard's model.
func runViewer(ctx context.Context, cfg config.Config, src viewerSource, wrap func(*tui.Model) tea.Model, stderr io.Writer) int {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1) // as the dashboard: nothing here needs two
	}
	noColor := cfg.UI.NoColor || os.Getenv("NO_COLOR") != ""
	renderer := newRenderer(cfg.UI.Theme, noColor)
	lipgloss.SetDefaultRenderer(renderer)
	model := tui.New(tui.Options{
		Engine: src.engine, History: src.history, Clock: src.clock, Badge: src.badge,
		Renderer: renderer, NoColor: noColor, Range: rangeFromConfig(cfg.UI.Range),
		Thresholds: tui.ThresholdsFrom(cfg.Alerts.Rules), MoreKeys: src.keys,
	})
	defer model.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		src.run(ctx)
	}()
	var top tea.Model = model
	if wrap != nil {
		top = wrap(model)
	}
	_, runErr := fullscreen.Run(top, fullscreen.Options{Context: ctx})
	interrupted := ctx.Err() != nil
	cancel()
	<-done
	if runErr != nil && !interrupted {
		fmt.Fprintf(stderr, "hsi-top: dashboard: %v\n", runErr)
		return exitUnknown
	}
	return exitOK
}
