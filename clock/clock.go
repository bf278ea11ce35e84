// Package clock lets the engine, history and alerts take time as an input, so tests step
// time instead of sleeping.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time and makes tickers.
type Clock interface {
	Now() time.Time
	NewTicker(d time.Duration) Ticker
}

// Ticker delivers ticks on C until stopped.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

// Real is the system clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// NewTicker returns a time.Ticker.
func (Real) NewTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }

type realTicker struct{ t *time.Ticker }

func (r realTicker) C() <-chan time.Time { return r.t.C }
func (r realTicker) Stop()               { r.t.Stop() }

// Fake is a clock that moves only when Advance or Set is called. Its tickers fire
// (without blocking) each time the clock passes their next deadline.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	tickers []*fakeTicker
}

// NewFake returns a fake clock set to start.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the clock forward by d and fires the tickers that fall due.
func (f *Fake) Advance(d time.Duration) { f.Set(f.Now().Add(d)) }

// Set moves the clock to t and fires the tickers that fall due.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.now = t
	tickers := append([]*fakeTicker(nil), f.tickers...)
	f.mu.Unlock()
	for _, tk := range tickers {
		tk.fire(t)
	}
}

// NewTicker returns a ticker driven by Advance.
func (f *Fake) NewTicker(d time.Duration) Ticker {
	f.mu.Lock()
	defer f.mu.Unlock()
	tk := &fakeTicker{c: make(chan time.Time, 1), every: d, next: f.now.Add(d), owner: f}
	f.tickers = append(f.tickers, tk)
	return tk
}

type fakeTicker struct {
	mu      sync.Mutex
	c       chan time.Time
	every   time.Duration
	next    time.Time
	stopped bool
	owner   *Fake
}

func (t *fakeTicker) C() <-chan time.Time { return t.c }

func (t *fakeTicker) Stop() {
	t.mu.Lock()
	t.stopped = true
	t.mu.Unlock()
	f := t.owner
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, x := range f.tickers {
		if x == t {
			f.tickers = append(f.tickers[:i], f.tickers[i+1:]...)
			break
		}
	}
}

func (t *fakeTicker) fire(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped || now.Before(t.next) {
		return
	}
	for !now.Before(t.next) {
		t.next = t.next.Add(t.every)
	}
	select { // like time.Ticker, drop ticks for a slow reader
	case t.c <- now:
	default:
	}
}

// Tickers returns how many tickers are running (tests wait for a loop to start).
func (f *Fake) Tickers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.tickers)
}
