package collector

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// The self source's RSS agrees with /proc/self/status, and its CPU % is known from the
// second collection on and sees the CPU this test burns between the two.
func TestSelfSourceAgreesWithKernel(t *testing.T) {
	s := NewSelfSource()
	defer s.Close()
	collect := func() snapshot.Self {
		res, err := s.Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		snap := snapshot.New(time.Now())
		res.Apply(snap)
		return snap.Self
	}
	if first := collect(); first.CPUPercent != nil {
		t.Errorf("the first collection has no interval: cpu %v", *first.CPUPercent)
	}
	for start := time.Now(); time.Since(start) < 30*time.Millisecond; {
		_ = strconv.Itoa(int(time.Now().UnixNano())) // busy
	}
	self := collect()
	if self.CPUPercent == nil || *self.CPUPercent <= 0 {
		t.Errorf("cpu %v after a busy loop, want above 0", self.CPUPercent)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc here")
	}
	var kb uint64
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ = strconv.ParseUint(f[1], 10, 64)
		}
	}
	if self.RSSBytes == nil || kb == 0 {
		t.Fatalf("rss %v, VmRSS %d kB", self.RSSBytes, kb)
	}
	if got, want := float64(*self.RSSBytes), float64(kb*1024); got < want*0.8 || got > want*1.2 {
		t.Errorf("rss %.0f B, /proc/self/status says %.0f B", got, want)
	}
	if self.Goroutines < 1 {
		t.Errorf("goroutines %d", self.Goroutines)
	}
}
