package collector

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/workers"
	"github.com/hsi-top/hsi-top/snapshot"
)

func cpuSource(name snapshot.SourceName, value float64) Source {
	return SourceFunc{SourceName: name, Fn: func(ctx context.Context) (Result, error) {
		return Result{Via: snapshot.ViaHost, Apply: func(s *snapshot.Snapshot) { s.Host.CPUPercent = snapshot.F(value) }}, nil
	}}
}

// switchable succeeds with its value until failing is set, then errors.
type switchable struct {
	name    snapshot.SourceName
	value   atomic.Int64
	failing atomic.Bool
	hang    atomic.Bool
	release chan struct{}
}

func (s *switchable) Name() snapshot.SourceName { return s.name }
func (s *switchable) Collect(ctx context.Context) (Result, error) {
	if s.hang.Load() {
		select { // a hung source that ignores its deadline until released
		case <-s.release:
		case <-ctx.Done():
			<-s.release
		}
		return Result{}, errors.New("released")
	}
	if s.failing.Load() {
		return Result{}, errors.New("connection refused")
	}
	v := s.value.Load()
	return Result{Via: snapshot.ViaSQL, Readings: Readings{Postgres: &snapshot.PostgreSQL{Status: "healthy", ConnectionsActive: snapshot.I(v)}}}, nil
}

func newFakeClockEngine(t *testing.T, clk clock.Clock, sources ...Source) *Engine {
	t.Helper()
	e, err := NewEngine(Options{Interval: time.Second, Timeout: 50 * time.Millisecond, Clock: clk}, sources...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEngineMergesSources(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	db := &switchable{name: "postgres"}
	db.value.Store(7)
	e := newFakeClockEngine(t, clk, cpuSource("host", 12.5), db)
	s := e.Tick(context.Background())
	if s.Host.CPUPercent == nil || *s.Host.CPUPercent != 12.5 {
		t.Errorf("cpu = %v, want 12.5", s.Host.CPUPercent)
	}
	if got := *s.Databases.PostgreSQL.ConnectionsActive; got != 7 {
		t.Errorf("connections = %d, want 7", got)
	}
	if len(s.Sources) != 2 || s.Sources[0].Source != "host" || s.Sources[1].Source != "postgres" {
		t.Fatalf("sources = %+v, want host and postgres sorted", s.Sources)
	}
	for _, st := range s.Sources {
		if !st.OK || st.AgeSeconds == nil || *st.AgeSeconds != 0 || st.Error != "" {
			t.Errorf("%s: %+v, want fresh", st.Source, st)
		}
	}
	if e.Latest() != s {
		t.Error("Latest must return the published snapshot")
	}
	if !s.Timestamp.Equal(clk.Now()) {
		t.Errorf("timestamp %v, want the clock's %v", s.Timestamp, clk.Now())
	}
}

// A failing source keeps its last good section, marked stale with its age and error,
// and does not blank any other source.
func TestEngineKeepsLastGoodWhenSourceFails(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	db := &switchable{name: "postgres"}
	db.value.Store(3)
	e := newFakeClockEngine(t, clk, cpuSource("host", 5), db)
	e.Tick(context.Background())
	db.failing.Store(true)
	clk.Advance(41 * time.Second)
	s := e.Tick(context.Background())
	st, _ := s.Source("postgres")
	if st.OK || st.Error != "connection refused" {
		t.Errorf("postgres status %+v, want stale with the error", st)
	}
	if st.AgeSeconds == nil || *st.AgeSeconds != 41 {
		t.Errorf("age = %v, want 41", st.AgeSeconds)
	}
	if got := *s.Databases.PostgreSQL.ConnectionsActive; got != 3 {
		t.Errorf("stale section lost its last good value: %d", got)
	}
	if h, _ := s.Source("host"); !h.OK || *s.Host.CPUPercent != 5 {
		t.Errorf("host must stay fresh: %+v", h)
	}
	db.failing.Store(false)
	db.value.Store(4)
	clk.Advance(time.Second)
	s = e.Tick(context.Background())
	if st, _ := s.Source("postgres"); !st.OK || *s.Databases.PostgreSQL.ConnectionsActive != 4 {
		t.Errorf("recovery: %+v, value %d", st, *s.Databases.PostgreSQL.ConnectionsActive)
	}
}

// A hung source does not delay the tick: Tick returns after the per-source deadline
// (were it to wait, this test would block forever), the source is marked stale with its
// age, and on the next tick it is reported as still running, not started twice.
func TestEngineHungSourceDoesNotDelayTick(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	db := &switchable{name: "postgres", release: make(chan struct{})}
	db.value.Store(9)
	var calls atomic.Int32
	counted := SourceFunc{SourceName: "postgres", Fn: func(ctx context.Context) (Result, error) {
		calls.Add(1)
		return db.Collect(ctx)
	}}
	e := newFakeClockEngine(t, clk, cpuSource("host", 1), counted)
	e.Tick(context.Background())
	db.hang.Store(true)
	for i := 1; i <= 3; i++ {
		clk.Advance(5 * time.Second)
		s := e.Tick(context.Background())
		st, _ := s.Source("postgres")
		if st.OK {
			t.Fatalf("tick %d: hung source reported fresh", i)
		}
		if st.AgeSeconds == nil || *st.AgeSeconds != float64(5*i) {
			t.Errorf("tick %d: age = %v, want %d", i, st.AgeSeconds, 5*i)
		}
		want := "timed out after 50ms"
		if i > 1 {
			want = ErrStillRunning.Error()
		}
		if st.Error != want {
			t.Errorf("tick %d: error %q, want %q", i, st.Error, want)
		}
		if *s.Databases.PostgreSQL.ConnectionsActive != 9 {
			t.Errorf("tick %d: last good value lost", i)
		}
		if h, _ := s.Source("host"); !h.OK {
			t.Errorf("tick %d: host blanked by the hung source", i)
		}
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("hung source collected %d times, want 2 (never started while in flight)", n)
	}
	close(db.release)
	e.waitInflight(time.Second)
}

func TestEnginePanickingSourceIsAnError(t *testing.T) {
	boom := SourceFunc{SourceName: "boom", Fn: func(ctx context.Context) (Result, error) { panic("bad parser") }}
	e := newFakeClockEngine(t, clock.NewFake(time.Unix(0, 0)), boom, cpuSource("host", 2))
	s := e.Tick(context.Background())
	st, _ := s.Source("boom")
	if st.OK || st.Error != "boom: panic: bad parser" {
		t.Errorf("status %+v", st)
	}
	if *s.Host.CPUPercent != 2 {
		t.Error("other sources must still apply")
	}
}

// Run ticks at start and on every clock tick, publishes to subscribers, and on cancel
// returns with no goroutine left (goleak checks in TestMain).
func TestEngineRunPublishesAndStops(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	db := &switchable{name: "postgres"}
	e := newFakeClockEngine(t, clk, db)
	ch, stop := runEngine(t, e)

	first := <-ch
	var prev time.Time = first.Timestamp.Time
	for i := int64(1); i <= 3; i++ {
		db.value.Store(i)
		waitTicker(t, clk)
		clk.Advance(time.Second)
		s := <-ch
		if !s.Timestamp.After(prev) {
			t.Errorf("snapshot %d not newer than the previous one", i)
		}
		prev = s.Timestamp.Time
		if got := *s.Databases.PostgreSQL.ConnectionsActive; got != i {
			t.Errorf("tick %d published value %d", i, got)
		}
	}
	e.CollectNow()
	if s := <-ch; s == nil {
		t.Error("CollectNow must publish a snapshot")
	}
	stop()
}

// runEngine runs e until stop, which returns once Run has; ch receives its snapshots.
func runEngine(t *testing.T, e *Engine) (ch <-chan *snapshot.Snapshot, stop func()) {
	t.Helper()
	ch, unsubscribe := e.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	return ch, func() { cancel(); <-done; unsubscribe() }
}

// waitTicker waits until Run has created its ticker on the fake clock.
func waitTicker(t *testing.T, clk *clock.Fake) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if clk.Tickers() > 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("Run never created its ticker")
}

// A slow subscriber gets the newest snapshot, never blocks the engine.
func TestEngineSlowSubscriberGetsNewest(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	db := &switchable{name: "postgres"}
	e := newFakeClockEngine(t, clk, db)
	ch, cancel := e.Subscribe()
	defer cancel()
	var last *snapshot.Snapshot
	for i := int64(1); i <= 5; i++ {
		db.value.Store(i)
		clk.Advance(time.Second)
		last = e.Tick(context.Background())
	}
	got := <-ch
	if got != last {
		t.Errorf("subscriber got an old snapshot (value %d)", *got.Databases.PostgreSQL.ConnectionsActive)
	}
	select {
	case s := <-ch:
		t.Errorf("a second, older snapshot was queued: %v", s.Timestamp)
	default:
	}
}

func TestEngineOptions(t *testing.T) {
	if _, err := NewEngine(Options{Interval: 500 * time.Millisecond}); err == nil {
		t.Error("an interval below 1s must be rejected")
	}
	e, err := NewEngine(Options{Interval: 2 * time.Second, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if e.Timeout() >= e.Interval() {
		t.Errorf("timeout %s must be cut below the interval %s", e.Timeout(), e.Interval())
	}
	if _, err := NewEngine(Options{Interval: time.Second}, cpuSource("a", 1), cpuSource("a", 2)); err == nil {
		t.Error("two sources with one name must be rejected")
	}
}

func TestEngineStagesRunInOrder(t *testing.T) {
	var order []string
	var mu sync.Mutex
	stage := func(name string) Stage {
		return StageFunc(func(s *snapshot.Snapshot) {
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			if s.Host.CPUPercent == nil {
				t.Errorf("stage %s ran before the sources were applied", name)
			}
		})
	}
	e, _ := NewEngine(Options{Interval: time.Second, Clock: clock.NewFake(time.Unix(0, 0)),
		Prepare: func(s *snapshot.Snapshot) { s.Hostname = "box" },
		Stages:  []Stage{stage("a"), stage("b")}}, cpuSource("host", 3))
	s := e.Tick(context.Background())
	if len(order) != 2 || order[0] != "a" || order[1] != "b" || s.Hostname != "box" {
		t.Errorf("order %v, hostname %q", order, s.Hostname)
	}
}

// tickStarterStage records when its TickStarted and Process run.
type tickStarterStage struct {
	events  *[]string
	release chan struct{} // closed by TickStarted: the source may answer
}

func (st tickStarterStage) TickStarted() {
	*st.events = append(*st.events, "started")
	close(st.release)
}

func (st tickStarterStage) Process(*snapshot.Snapshot) { *st.events = append(*st.events, "process") }

// A stage that is a TickStarter is called once a tick, while the sources are out (this
// source answers only after it), and its Process after the merge.
func TestEngineTickStarter(t *testing.T) {
	var events []string
	st := tickStarterStage{events: &events, release: make(chan struct{})}
	src := SourceFunc{SourceName: "host", Fn: func(ctx context.Context) (Result, error) {
		select {
		case <-st.release:
		case <-ctx.Done():
			return Result{}, ctx.Err()
		}
		return Result{}, nil
	}}
	e, _ := NewEngine(Options{Interval: time.Second, Clock: clock.NewFake(time.Unix(0, 0)), Stages: []Stage{st}}, src)
	s := e.Tick(context.Background())
	if len(events) != 2 || events[0] != "started" || events[1] != "process" {
		t.Errorf("events %v, want [started process]", events)
	}
	if !Fresh(s, "host") {
		t.Errorf("the source did not answer within the tick: %+v", s.Sources)
	}
}

// BenchmarkEngineTickHost is the cost of one tick with the real host source.
func BenchmarkEngineTickHost(b *testing.B) {
	e, err := NewEngine(Options{Interval: 5 * time.Second}, NewHostSource(config.HostConfig{}), NewSelfSource())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	e.Tick(ctx)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Tick(ctx)
	}
}

func TestEffectiveTimeout(t *testing.T) {
	for _, tc := range []struct{ interval, timeout, want time.Duration }{
		{10 * time.Second, 9 * time.Second, 8 * time.Second}, // capped at 80% of the interval
		{10 * time.Second, 3 * time.Second, 3 * time.Second}, // the configured value is kept
		{60 * time.Second, 50 * time.Second, 48 * time.Second},
		{5 * time.Second, 0, 2 * time.Second}, // unset: 2 s
		{time.Second, 0, 800 * time.Millisecond},
	} {
		if got := EffectiveTimeout(tc.interval, tc.timeout); got != tc.want {
			t.Errorf("EffectiveTimeout(%s, %s) = %s, want %s", tc.interval, tc.timeout, got, tc.want)
		}
	}
	if got := TimeoutsFor(10*time.Second, 3*time.Second); got != (Timeouts{Source: 3 * time.Second, Request: 2700 * time.Millisecond, Probe: 2 * time.Second}) {
		t.Errorf("TimeoutsFor = %+v, want 3s, 2.7s and a 2s probe", got)
	}
}

// goroutineID is the running goroutine's number, from its stack trace's first line.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	f := strings.Fields(string(buf))
	if len(f) < 2 {
		return ""
	}
	return f[1]
}

// Run's ticks collect on workers that last from one tick to the next (their grown
// stacks with them), and a source's own side-by-side requests run on them too; a Tick
// outside Run starts goroutines of its own.
func TestEngineRunCollectsOnLastingWorkers(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var mu sync.Mutex
	seen := map[string]int{}
	note := func() {
		mu.Lock()
		seen[goroutineID()]++
		mu.Unlock()
	}
	src := SourceFunc{SourceName: "host", Fn: func(ctx context.Context) (Result, error) {
		note()
		var wg sync.WaitGroup
		wg.Add(2)
		for range 2 {
			workers.Go(ctx, func() { defer wg.Done(); note() })
		}
		wg.Wait()
		return Result{Via: snapshot.ViaHost}, nil
	}}
	e := newFakeClockEngine(t, clk, src)
	ch, stop := runEngine(t, e)
	<-ch
	const ticks = 10
	for range ticks - 1 {
		waitTicker(t, clk)
		clk.Advance(time.Second)
		<-ch
	}
	stop()
	mu.Lock()
	total := 0
	for _, n := range seen {
		total += n
	}
	// 3 functions a tick: a few workers ran all 30, not 30 goroutines (a worker that has
	// not parked yet when the next tick starts makes one more: allow for some).
	if total != 3*ticks || len(seen) > total/2 {
		t.Errorf("%d calls ran on %d goroutines, want %d on a few lasting workers", total, len(seen), 3*ticks)
	}
	clear(seen)
	mu.Unlock()
	for range 3 {
		e.Tick(context.Background())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 9 {
		t.Errorf("3 ticks outside Run: %d goroutines, want 9 of their own", len(seen))
	}
}
