package main

import (
	"context"
	"fmt"
	"io"

	"hsi-top/config"
)

// runServe runs the collector headless and serves the feed.
func runServe(ctx context.Context, cfg config.Config, stderr io.Writer) int {
	fmt.Fprintln(stderr, "hsi-top: --serve is not built yet (issue: headless --serve); use --once --json meanwhile")
	return exitUnknown
}

// runDashboard runs the terminal UI.
func runDashboard(ctx context.Context, cfg config.Config, f *cliFlags, stderr io.Writer) int {
	fmt.Fprintln(stderr, "hsi-top: the terminal dashboard is not built yet (issue: the terminal UI); use --once meanwhile")
	return exitUnknown
}
