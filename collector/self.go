package collector

import (
	"context"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// SelfSource reports hsi-top's own CPU % (over the last interval, from getrusage) and
// resident memory (from /proc/self/statm, kept open), so the tool shows what it costs.
type SelfSource struct {
	mu       sync.Mutex
	statm    *ProcFile
	prevCPU  time.Duration
	prevWall time.Time
}

// NewSelfSource returns a source for the current process.
func NewSelfSource() *SelfSource { return &SelfSource{statm: NewProcFile("/proc/self/statm")} }

// Name returns "self".
func (s *SelfSource) Name() snapshot.SourceName { return snapshot.SourceSelf }

// Close closes /proc/self/statm.
func (s *SelfSource) Close() error { return s.statm.Close() }

// Collect reads the process's CPU times and RSS.
func (s *SelfSource) Collect(ctx context.Context) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out snapshot.Self
	out.Goroutines = runtime.NumGoroutine()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		now, cpu := time.Now(), time.Duration(ru.Utime.Nano()+ru.Stime.Nano())
		if !s.prevWall.IsZero() {
			if wall := now.Sub(s.prevWall); wall > 0 {
				out.CPUPercent = snapshot.F(float64(cpu-s.prevCPU) / float64(wall) * 100)
			}
		}
		s.prevCPU, s.prevWall = cpu, now
	}
	if b, err := s.statm.Read(); err == nil {
		if pages, err := ParseStatm(b); err == nil {
			out.RSSBytes = snapshot.U(pages * uint64(os.Getpagesize()))
		}
	}
	return Result{Via: snapshot.ViaHost, Apply: func(snap *snapshot.Snapshot) { snap.Self = out }}, nil
}
