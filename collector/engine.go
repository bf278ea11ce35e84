package collector

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/internal/pubsub"
	"github.com/hsi-top/hsi-top/internal/workers"
	"github.com/hsi-top/hsi-top/snapshot"
)

// Options configure an Engine.
type Options struct {
	// Interval between ticks; at least one second.
	Interval time.Duration
	// Timeout is each source's deadline per tick (2 s when zero); it is cut to 80% of
	// Interval if longer.
	Timeout time.Duration
	// Clock gives timestamps and the ticker; clock.Real{} when nil.
	Clock clock.Clock
	// Prepare runs on each new, empty snapshot before sources apply their results
	// (for settings such as the detector key and the host name).
	Prepare func(s *snapshot.Snapshot)
	// Stages run on each merged snapshot before it is published.
	Stages []Stage
	// GPUIndex is the device the page's gpu object shows (gpu.index).
	GPUIndex int
	// ShutdownGrace bounds how long Run waits, after its context ends, for collections
	// still in flight; 2 s when zero.
	ShutdownGrace time.Duration
}

// MinInterval is the shortest collection interval.
const MinInterval = time.Second

// ErrStillRunning is the error for a source whose previous collection has not returned.
var ErrStillRunning = errors.New("previous collection still running")

// Engine runs every source each tick and publishes the merged snapshots.
type Engine struct {
	opts    Options
	sources []Source
	states  []*sourceState

	hub     pubsub.Hub // the latest snapshot and its subscribers
	trigger chan struct{}
	// starters are the stages that are TickStarters, found once: a type assertion per
	// stage and tick searches the runtime's interface table, cold after a second idle.
	starters []TickStarter

	inflight sync.WaitGroup
}

type sourceState struct {
	mu          sync.Mutex
	running     bool
	done        chan struct{} // closed when the collection in flight returns
	last        Result        // last good result
	hasLast     bool
	lastSuccess time.Time
	lastErr     error
	lastOK      bool
	duration    time.Duration
	via         string
}

// NewEngine returns an engine for the given sources. Their order does not matter: each
// writes only its own sections, and the resolver's table decides between the readings
// of the parts several sources can fill.
func NewEngine(opts Options, sources ...Source) (*Engine, error) {
	if opts.Interval < MinInterval {
		return nil, fmt.Errorf("collection interval %s is below the minimum of %s", opts.Interval, MinInterval)
	}
	opts.Timeout = EffectiveTimeout(opts.Interval, opts.Timeout)
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.ShutdownGrace <= 0 {
		opts.ShutdownGrace = 2 * time.Second
	}
	e := &Engine{
		opts:    opts,
		sources: sources,
		trigger: make(chan struct{}, 1),
	}
	seen := map[snapshot.SourceName]bool{}
	for _, s := range sources {
		if seen[s.Name()] {
			return nil, fmt.Errorf("two sources are named %q", s.Name())
		}
		seen[s.Name()] = true
		e.states = append(e.states, &sourceState{})
	}
	for _, stage := range opts.Stages {
		if ts, ok := stage.(TickStarter); ok {
			e.starters = append(e.starters, ts)
		}
	}
	return e, nil
}

// Interval returns the collection interval.
func (e *Engine) Interval() time.Duration { return e.opts.Interval }

// Timeout returns each source's per-tick deadline.
func (e *Engine) Timeout() time.Duration { return e.opts.Timeout }

// Latest returns the most recently published snapshot, or nil before the first tick.
func (e *Engine) Latest() *snapshot.Snapshot { return e.hub.Latest() }

// Subscribe returns a channel that receives every published snapshot. A subscriber that
// falls behind gets the newest snapshot, never a queue of old ones; the engine never
// waits for it. cancel stops the delivery.
func (e *Engine) Subscribe() (ch <-chan *snapshot.Snapshot, cancel func()) {
	return e.hub.Subscribe()
}

// CollectNow asks Run for an extra tick at once (the TUI's "r" key). It never blocks.
func (e *Engine) CollectNow() {
	select {
	case e.trigger <- struct{}{}:
	default:
	}
}

// maxIdleWorkers bounds the workers Run keeps between ticks: more than a tick of the
// full stack uses (17).
const maxIdleWorkers = 32

// Run ticks at once and then every interval until ctx ends. It then cancels the
// collections in flight and waits for them (at most ShutdownGrace) before returning.
// Its ticks' collections, and the requests the sources make side by side, run on
// workers that last from one tick to the next (internal/workers).
func (e *Engine) Run(ctx context.Context) error {
	pool := workers.New(maxIdleWorkers)
	defer pool.Close()
	ctx, cancel := context.WithCancel(workers.NewContext(ctx, pool))
	defer cancel()
	ticker := e.opts.Clock.NewTicker(e.opts.Interval)
	defer ticker.Stop()
	e.Tick(ctx)
	for {
		select {
		case <-ctx.Done():
			cancel()
			e.waitInflight(e.opts.ShutdownGrace)
			return nil
		case <-ticker.C():
			e.Tick(ctx)
		case <-e.trigger:
			e.Tick(ctx)
		}
	}
}

func (e *Engine) waitInflight(grace time.Duration) {
	done := make(chan struct{})
	go func() { e.inflight.Wait(); close(done) }()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// Tick runs one collection: every source whose previous collection has returned is
// started under the tick's deadline (the per-source timeout); the tick waits at most
// that long, then merges the last good result of every source into a new snapshot,
// runs the stages and publishes it. A source that failed or missed the deadline keeps
// its last good section, marked stale with its age and error.
func (e *Engine) Tick(ctx context.Context) *snapshot.Snapshot {
	now := e.opts.Clock.Now()
	// One deadline for the whole tick: every source starts now under the same timeout.
	// The tick returns only when every source it started is done or the deadline has
	// passed, so ending the context then cuts nobody short.
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()

	started := make([]chan struct{}, len(e.sources))
	for i, src := range e.sources {
		st := e.states[i]
		st.mu.Lock()
		if st.running {
			st.lastOK = false
			st.lastErr = ErrStillRunning
			st.mu.Unlock()
			continue
		}
		st.running = true
		st.done = make(chan struct{})
		started[i] = st.done
		st.mu.Unlock()
		e.inflight.Add(1)
		workers.Go(ctx, func() { e.collect(ctx, src, st) })
	}
	for _, ts := range e.starters {
		ts.TickStarted()
	}
	for _, done := range started {
		if done == nil {
			continue
		}
		select {
		case <-done:
		case <-ctx.Done():
			// Past the deadline (or shut down): the channel stays closed, so nobody
			// else is waited for; the stragglers are stale.
		}
	}
	s := e.merge(now)
	e.publish(s)
	return s
}

func (e *Engine) collect(ctx context.Context, src Source, st *sourceState) {
	defer e.inflight.Done()
	begin := time.Now()
	res, err := safeCollect(ctx, src)
	took := time.Since(begin)
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("timed out after %s", e.opts.Timeout)
	}
	finished := e.opts.Clock.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.running = false
	st.duration = took
	if err != nil {
		st.lastOK = false
		st.lastErr = err
	} else {
		st.lastOK = true
		st.lastErr = nil
		st.last = res
		st.hasLast = true
		st.lastSuccess = finished
		st.via = res.Via
	}
	close(st.done)
}

// safeCollect turns a panicking source into an error so one bad parser cannot take the
// whole program down.
func safeCollect(ctx context.Context, src Source) (res Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: panic: %v", src.Name(), r)
		}
	}()
	return src.Collect(ctx)
}

// merge builds the tick's snapshot: every source's freshness, the sections each source
// alone fills (from its last good result), then the resolver for the parts several
// sources can fill, then the stages.
func (e *Engine) merge(now time.Time) *snapshot.Snapshot {
	s := snapshot.New(now)
	if e.opts.Prepare != nil {
		e.opts.Prepare(s)
	}
	collected := make(map[snapshot.SourceName]*Collected, len(e.sources))
	applies := make([]func(*snapshot.Snapshot), 0, len(e.sources))
	statuses := make([]snapshot.SourceStatus, 0, len(e.sources))
	for i, src := range e.sources {
		c, apply := e.collected(now, src, e.states[i])
		collected[src.Name()] = c
		statuses = append(statuses, c.Status)
		if apply != nil {
			applies = append(applies, apply)
		}
	}
	sort.Slice(statuses, func(i, j int) bool { return statuses[i].Source < statuses[j].Source })
	s.Sources = statuses
	for _, apply := range applies {
		apply(s)
	}
	Resolve(s, collected, e.opts.GPUIndex)
	for _, stage := range e.opts.Stages {
		stage.Process(s)
	}
	return s
}

// collected is one source's state at now for the resolver, and its own sections' Apply.
func (e *Engine) collected(now time.Time, src Source, st *sourceState) (*Collected, func(*snapshot.Snapshot)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	ss := snapshot.SourceStatus{
		Source:     src.Name(),
		OK:         st.lastOK && !st.running,
		DurationMS: float64(st.duration.Microseconds()) / 1000,
		Via:        st.via,
	}
	if st.running && st.lastErr == nil {
		ss.Error = fmt.Sprintf("timed out after %s", e.opts.Timeout)
	} else if st.lastErr != nil {
		ss.Error = st.lastErr.Error()
	}
	if !st.lastSuccess.IsZero() {
		ss.LastSuccess = snapshot.At(st.lastSuccess)
		ss.AgeSeconds = snapshot.F(max(0, now.Sub(st.lastSuccess).Seconds()))
	}
	c := &Collected{Status: ss, Down: !ss.OK && !st.running && serviceDown(st.lastErr)}
	if !st.hasLast {
		return c, nil
	}
	r := st.last.Readings
	c.Readings = &r
	return c, st.last.Apply
}

func (e *Engine) publish(s *snapshot.Snapshot) { e.hub.Publish(s) }
