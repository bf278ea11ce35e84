package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/internal/residency"
)

// trimDelay is how long after start the binary's start-up pages are handed back: by then
// the first snapshots are drawn or served, the connections made and the history
// restored, so what faults back in is what the program keeps using.
const trimDelay = 15 * time.Second

// trimAfterStartup hands back what only start-up used, trimDelay after start unless ctx
// ends first: the heap's garbage (decoding the saved history allocates twice the hour
// it restores, and the heap would otherwise only shrink as slowly as the runtime's
// background scavenger returns it) and the pages of the binary and of the shared
// libraries (internal/residency). A
// failure is passed to warn: the program runs on unchanged, only with more resident.
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
		debug.FreeOSMemory()
		if _, err := residency.Trim(); err != nil {
			warn(fmt.Sprintf("handing back the binary's start-up pages: %v", err))
		}
	}()
}
