package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/internal/residency"
)

// trimDelay is how long after start the binary's start-up pages are handed back: by then
// the first snapshots are drawn or served, the connections made and the history
// restored, so what faults back in is what the program keeps using.
const trimDelay = 15 * time.Second

// trimAfterStartup hands back the pages of the binary that only start-up used
// (internal/residency), trimDelay after start unless ctx ends first. A failure is
// passed to warn: the program runs on unchanged, only with more pages resident.
func trimAfterStartup(ctx context.Context, wg *sync.WaitGroup, warn func(string)) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTimer(trimDelay)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := residency.TrimBinary(); err != nil {
			warn(fmt.Sprintf("handing back the binary's start-up pages: %v", err))
		}
	}()
}
