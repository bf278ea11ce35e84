package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"hsi-top/config"
	"hsi-top/history"
	"hsi-top/tui"
)

// runDashboard runs the terminal UI: the engine collects on its own goroutine and the
// Bubble Tea program draws on the alternate screen until q or ctrl+c (or a signal), then
// the engine is stopped and waited for and the terminal restored.
func runDashboard(ctx context.Context, cfg config.Config, f *cliFlags, stderr io.Writer) int {
	// The history store is the last stage: it keeps every tick (alerts included) for the
	// charts, paused or not.
	store := history.NewStore()
	eng, built, err := newEngine(cfg, store)
	if err != nil {
		fmt.Fprintf(stderr, "hsi-top: %v\n", err)
		return exitUnknown
	}
	defer built.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// --listen (f.listen / cfg.Serve.Addr): the feed server starts here, beside the
	// dashboard, once the feed package exists; the lead wires it.
	_ = f

	noColor := cfg.UI.NoColor || os.Getenv("NO_COLOR") != ""
	renderer := lipgloss.NewRenderer(os.Stdout)
	if noColor {
		renderer.SetColorProfile(termenv.Ascii)
	}
	// Ask the terminal for its background now, before the program owns it, so the
	// adaptive colours never query it from the UI goroutine.
	renderer.HasDarkBackground()
	lipgloss.SetDefaultRenderer(renderer)

	model := tui.New(tui.Options{
		Engine:   eng,
		History:  store,
		Renderer: renderer,
		NoColor:  noColor,
		Range:    rangeFromConfig(cfg.UI.Range),
	})
	defer model.Close()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		eng.Run(ctx)
	}()

	// 20 frames a second at most: the renderer wakes at this rate even when nothing
	// changed, and a monitor that updates every second gains nothing from 60.
	p := tea.NewProgram(model, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithOutput(os.Stdout), tea.WithFPS(20))
	_, runErr := p.Run()
	interrupted := ctx.Err() != nil // a signal, not a failure
	cancel()
	wg.Wait()
	if runErr != nil && !interrupted {
		fmt.Fprintf(stderr, "hsi-top: dashboard: %v\n", runErr)
		return exitUnknown
	}
	return exitOK
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
