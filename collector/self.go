package collector

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/process"

	"github.com/hsi-top/hsi-top/snapshot"
)

// SelfSource reports hsi-top's own CPU % (over the last interval) and resident memory,
// so the tool shows what it costs.
type SelfSource struct {
	mu       sync.Mutex
	proc     *process.Process
	prevCPU  float64
	prevWall time.Time
}

// NewSelfSource returns a source for the current process.
func NewSelfSource() *SelfSource { return &SelfSource{} }

// Name returns "self".
func (s *SelfSource) Name() snapshot.SourceName { return snapshot.SourceSelf }

// Collect reads the process's CPU times and RSS.
func (s *SelfSource) Collect(ctx context.Context) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		p, err := process.NewProcessWithContext(ctx, int32(os.Getpid()))
		if err != nil {
			return Result{}, fmt.Errorf("own process: %w", err)
		}
		s.proc = p
	}
	var out snapshot.Self
	out.Goroutines = runtime.NumGoroutine()
	if t, err := s.proc.TimesWithContext(ctx); err == nil {
		now, cpuSecs := time.Now(), t.User+t.System
		if !s.prevWall.IsZero() {
			if wall := now.Sub(s.prevWall).Seconds(); wall > 0 {
				out.CPUPercent = snapshot.F((cpuSecs - s.prevCPU) / wall * 100)
			}
		}
		s.prevCPU, s.prevWall = cpuSecs, now
	}
	if m, err := s.proc.MemoryInfoWithContext(ctx); err == nil {
		out.RSSBytes = snapshot.U(m.RSS)
	}
	return Result{Via: snapshot.ViaHost, Apply: func(snap *snapshot.Snapshot) { snap.Self = out }}, nil
}
