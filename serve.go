package main

import (
	"context"
	"fmt"
	"io"

	"hsi-top/config"
)

// runServe runs the collector headless and serves the feed.
func runServe(ctx context.Context, cfg config.Config, stderr io.Writer) int {
	fmt.Fprintln(stderr, "hsi-top: --serve is not built yet; use --once --json meanwhile")
	return exitUnknown
}
