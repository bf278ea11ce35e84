// Package replay plays a recording (--record's NDJSON, an incident bundle) in the
// dashboard as the collector engine would have: each snapshot at its recorded instant,
// sped up, into a history of its own, with the recording's clock on screen.
package replay

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/internal/pubsub"
	"github.com/hsi-top/hsi-top/snapshot"
)

// MaxGap is the longest stretch of the recording's time one step waits for (before the
// speed-up): a recording with hsi-top stopped for hours resumes at once.
const MaxGap = 30 * time.Second

// Player plays snapshots. It satisfies the dashboard's Engine (Subscribe, CollectNow,
// Interval, Latest), its history reader (Series, Snapshots) and, for the header's
// time, clock.Clock (the recording's instant on screen).
type Player struct {
	snaps    []*snapshot.Snapshot
	speed    float64
	interval time.Duration
	hub      pubsub.Hub
	store    atomic.Pointer[history.Store]
	ctl      chan struct{} // wakes Run after a pause or a seek

	mu     sync.Mutex
	pos    int // index of the snapshot on screen; -1 before Run
	paused bool
}

// New returns a player for snaps (oldest first) at speed times the recorded pace.
func New(snaps []*snapshot.Snapshot, speed float64) (*Player, error) {
	if len(snaps) == 0 {
		return nil, fmt.Errorf("replay: no snapshots")
	}
	if speed <= 0 {
		return nil, fmt.Errorf("replay: --speed %g must be above 0", speed)
	}
	p := &Player{snaps: snaps, speed: speed, interval: medianGap(snaps), ctl: make(chan struct{}, 1), pos: -1}
	p.store.Store(history.NewStore())
	return p, nil
}

// medianGap is the recording's collection interval: the median step between snapshots
// (5 s when there is one snapshot).
func medianGap(snaps []*snapshot.Snapshot) time.Duration {
	if len(snaps) < 2 {
		return 5 * time.Second
	}
	gaps := make([]time.Duration, 0, len(snaps)-1)
	for i := 1; i < len(snaps); i++ {
		gaps = append(gaps, snaps[i].Timestamp.Sub(snaps[i-1].Timestamp.Time))
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2]
}

// Delay is how long Run waits after snapshot i before showing i+1: the recorded step
// (at most MaxGap) divided by the speed.
func (p *Player) Delay(i int) time.Duration {
	if i < 0 || i+1 >= len(p.snaps) {
		return 0
	}
	gap := min(max(0, p.snaps[i+1].Timestamp.Sub(p.snaps[i].Timestamp.Time)), MaxGap)
	return time.Duration(float64(gap) / p.speed)
}

// Run plays from the first snapshot to the last, then keeps the last on screen until
// ctx ends.
func (p *Player) Run(ctx context.Context) {
	p.seekTo(0)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		p.mu.Lock()
		pos, paused := p.pos, p.paused
		p.mu.Unlock()
		var tick <-chan time.Time
		if !paused && pos+1 < len(p.snaps) {
			timer.Reset(p.Delay(pos))
			tick = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-p.ctl:
		case <-tick:
			p.Step()
		}
		timer.Stop()
	}
}

// Step shows the next snapshot (nothing at the end) and returns it.
func (p *Player) Step() *snapshot.Snapshot {
	p.mu.Lock()
	if p.pos+1 >= len(p.snaps) {
		p.mu.Unlock()
		return nil
	}
	p.pos++
	s := p.snaps[p.pos]
	p.store.Load().Process(s)
	p.mu.Unlock()
	p.hub.Publish(s)
	return s
}

// Seek moves the playback by d of the recording's time (back when negative) and
// returns the snapshot now on screen. The history is rebuilt from the hour before it,
// so the charts are those of that instant.
func (p *Player) Seek(d time.Duration) *snapshot.Snapshot {
	p.mu.Lock()
	at := p.snaps[max(0, p.pos)].Timestamp.Add(d)
	p.mu.Unlock()
	i := sort.Search(len(p.snaps), func(i int) bool { return !p.snaps[i].Timestamp.Before(at) })
	if d < 0 && i > 0 && (i == len(p.snaps) || p.snaps[i].Timestamp.After(at)) {
		i-- // back: the last snapshot at or before the instant
	}
	return p.seekTo(min(i, len(p.snaps)-1))
}

func (p *Player) seekTo(i int) *snapshot.Snapshot {
	s := p.snaps[i]
	store := history.NewStore()
	from := sort.Search(i, func(j int) bool { return !p.snaps[j].Timestamp.Before(s.Timestamp.Add(-time.Hour)) })
	for _, old := range p.snaps[from : i+1] {
		store.Process(old)
	}
	p.mu.Lock()
	p.pos = i
	p.store.Store(store)
	p.mu.Unlock()
	p.hub.Publish(s)
	p.wake()
	return s
}

func (p *Player) wake() {
	select {
	case p.ctl <- struct{}{}:
	default:
	}
}

// TogglePause stops or resumes the playback.
func (p *Player) TogglePause() {
	p.mu.Lock()
	p.paused = !p.paused
	p.mu.Unlock()
	p.wake()
}

// Badge is the header's label: "REPLAY ×60", with "paused" or "end" when so.
func (p *Player) Badge() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := fmt.Sprintf("REPLAY ×%g", p.speed)
	switch {
	case p.paused:
		b += " paused"
	case p.pos == len(p.snaps)-1:
		b += " end"
	}
	return b
}

// Position is the index of the snapshot on screen and the recording's length.
func (p *Player) Position() (int, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pos, len(p.snaps)
}

// Subscribe delivers each snapshot as it is played.
func (p *Player) Subscribe() (<-chan *snapshot.Snapshot, func()) { return p.hub.Subscribe() }

// Latest is the snapshot on screen.
func (p *Player) Latest() *snapshot.Snapshot { return p.hub.Latest() }

// Interval is the recording's collection interval.
func (p *Player) Interval() time.Duration { return p.interval }

// CollectNow does nothing: a recording has nothing to collect.
func (p *Player) CollectNow() {}

// Series reads the replayed history.
func (p *Player) Series(key string, r history.Range) []history.Point {
	return p.store.Load().Series(key, r)
}

// Snapshots reads the replayed history's snapshots (the container strips).
func (p *Player) Snapshots(r history.Range) []*snapshot.Snapshot {
	return p.store.Load().Snapshots(r)
}

// Now is the recorded instant on screen (the header's clock).
func (p *Player) Now() time.Time {
	if s := p.Latest(); s != nil {
		return s.Timestamp.Time
	}
	return p.snaps[0].Timestamp.Time
}

// NewTicker is the system clock's.
func (p *Player) NewTicker(d time.Duration) clock.Ticker { return clock.Real{}.NewTicker(d) }
