package workers

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitIdle waits until n workers are idle (they park after their function returns).
func waitIdle(t *testing.T, p *Pool, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); p.Idle() != n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d idle workers, want %d", p.Idle(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// A tick's functions run concurrently; the next tick's run on the same workers.
func TestWorkersAreReused(t *testing.T) {
	p := New(8)
	defer p.Close()
	var ran atomic.Int64
	tick := func(n int) {
		var wg sync.WaitGroup
		release := make(chan struct{})
		wg.Add(n)
		for range n {
			p.Go(func() { defer wg.Done(); ran.Add(1); <-release })
		}
		close(release) // all n were running at once, or this would block them forever
		wg.Wait()
	}
	tick(5)
	waitIdle(t, p, 5)
	tick(5)
	waitIdle(t, p, 5)
	if ran.Load() != 10 {
		t.Fatalf("%d functions ran, want 10", ran.Load())
	}
}

// At most maxIdle workers wait; the rest end.
func TestIdleWorkersAreBounded(t *testing.T) {
	p := New(2)
	defer p.Close()
	var wg sync.WaitGroup
	release := make(chan struct{})
	wg.Add(6)
	for range 6 {
		p.Go(func() { defer wg.Done(); <-release })
	}
	close(release)
	wg.Wait()
	waitIdle(t, p, 2)
}

// Close ends the idle workers (goleak checks that none is left); Go still runs
// functions afterwards, and a nil pool or a context without one runs them too.
func TestCloseAndNoPool(t *testing.T) {
	p := New(4)
	done := make(chan struct{})
	p.Go(func() { close(done) })
	<-done
	waitIdle(t, p, 1)
	p.Close()
	p.Close()
	carried := New(1)
	defer carried.Close()
	for i, run := range []func(func()){
		p.Go,
		(*Pool)(nil).Go,
		func(fn func()) { Go(context.Background(), fn) },
		func(fn func()) { Go(NewContext(context.Background(), carried), fn) },
	} {
		ch := make(chan struct{})
		run(func() { close(ch) })
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatalf("case %d: the function never ran", i)
		}
	}
	waitIdle(t, p, 0)
	waitIdle(t, carried, 1) // the context's function ran on the pool's worker
}
