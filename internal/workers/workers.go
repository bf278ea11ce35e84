// Package workers runs short functions on goroutines that outlive them.
//
// A collection tick starts a goroutine per source and the sources one per request (17
// on the full stack). A new goroutine starts on a small stack, and net/http's, pgx's
// and go-redis's calls are deep: each grew its stack by copying it, twice or three
// times, at every tick (7 % of the dashboard's CPU in perf). A worker keeps its grown
// stack from one tick to the next, and waits in a frame deep enough that the garbage
// collector does not halve it either (parkDepth).
package workers

import (
	"context"
	"sync"
)

// Pool runs functions on idle workers and starts a worker when none is idle. At most
// maxIdle workers wait for work; one more finishing its function ends.
type Pool struct {
	work    chan func()
	quit    chan struct{}
	maxIdle int

	mu     sync.Mutex
	idle   int
	closed bool
}

// New returns a pool that keeps at most maxIdle idle workers.
func New(maxIdle int) *Pool {
	return &Pool{work: make(chan func()), quit: make(chan struct{}), maxIdle: maxIdle}
}

// Go runs fn on an idle worker, or on a new one. On a nil or closed pool it runs fn on
// a goroutine of its own.
func (p *Pool) Go(fn func()) {
	if p == nil {
		go fn()
		return
	}
	select {
	case p.work <- fn: // an idle worker took it
		return
	default:
	}
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		go fn()
		return
	}
	go p.worker(fn)
}

// Idle returns how many workers wait for work.
func (p *Pool) Idle() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.idle
}

func (p *Pool) worker(fn func()) {
	for ok := true; ok; fn, ok = p.next() {
		fn()
	}
}

// parkDepth is the stack an idle worker holds in use while it waits. The garbage
// collector halves the stack of a goroutine that uses less than a quarter of it; an idle
// worker parked in a shallow frame had its grown stack halved at every cycle and copied
// back up by its next function (runtime.newstack, 2 % of the dashboard's CPU in perf).
// Waiting under this much keeps stacks of up to four times it.
const parkDepth = 8 << 10

// next waits for the worker's next function, under parkDepth bytes of its own frame; ok
// is false when the worker should end instead.
//
//go:noinline
func (p *Pool) next() (fn func(), ok bool) {
	var depth [parkDepth]byte
	holdFrame(&depth)
	p.mu.Lock()
	if p.closed || p.idle >= p.maxIdle {
		p.mu.Unlock()
		return nil, false
	}
	p.idle++
	p.mu.Unlock()
	select {
	case fn = <-p.work:
		ok = true
	case <-p.quit:
	}
	p.mu.Lock()
	p.idle--
	p.mu.Unlock()
	return fn, ok
}

// holdFrame keeps its argument in the caller's frame (a call the compiler cannot see
// through, with nothing escaping).
//
//go:noinline
func holdFrame(*[parkDepth]byte) {}

// Close ends the idle workers; a busy one ends when its function returns. Go still
// runs functions afterwards, each on a goroutine of its own.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.quit)
	}
}

type poolKey struct{}

// NewContext returns ctx carrying p, for Go.
func NewContext(ctx context.Context, p *Pool) context.Context {
	return context.WithValue(ctx, poolKey{}, p)
}

// Go runs fn on the pool ctx carries (NewContext), or on a goroutine of its own when
// it carries none.
func Go(ctx context.Context, fn func()) {
	p, _ := ctx.Value(poolKey{}).(*Pool)
	p.Go(fn)
}
