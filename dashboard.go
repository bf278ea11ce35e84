package main

import (
	"context"
	"fmt"
	"io"

	"hsi-top/config"
)

// runDashboard runs the terminal UI.
func runDashboard(ctx context.Context, cfg config.Config, f *cliFlags, stderr io.Writer) int {
	fmt.Fprintln(stderr, "hsi-top: the terminal dashboard is not built yet; use --once meanwhile")
	return exitUnknown
}
