package notify

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/snapshot"
)

// Sender delivers one event on one channel. Errors must not carry secrets (a token in a
// URL): channels word them from the status, not from the request.
type Sender interface {
	// Send delivers ev or says why not; ctx bounds one attempt.
	Send(ctx context.Context, ev alerts.Event) error
}

// Queue limits and retry timing. A channel that is briefly down loses nothing: its
// events wait (up to QueueSize, then the oldest are dropped and counted) and each is
// tried up to MaxAttempts times with doubling waits from RetryBase to RetryMax.
const (
	QueueSize      = 64
	MaxAttempts    = 8
	RetryBase      = time.Second
	RetryMax       = time.Minute
	AttemptTimeout = 10 * time.Second
)

// retryTiming is the backoff of a queue; tests shorten it.
type retryTiming struct {
	base, max, attempt time.Duration
	attempts           int
}

var defaultTiming = retryTiming{base: RetryBase, max: RetryMax, attempt: AttemptTimeout, attempts: MaxAttempts}

// queue is one channel's bounded delivery queue and its worker goroutine. Push never
// blocks: the collector's tick must not wait for a network.
type queue struct {
	name   snapshot.SourceName
	via    string
	sender Sender
	timing retryTiming

	mu      sync.Mutex
	pending []alerts.Event
	wake    chan struct{}
	stats   channelStats
	totals  *totalCounters

	stop chan struct{}
	done chan struct{}
}

// channelStats is what a channel reports in the snapshot's sources.
type channelStats struct {
	sent, failed, dropped int
	lastSuccess           time.Time
	lastErr               error
	lastOK                bool
	lastDuration          time.Duration
}

func newQueue(name snapshot.SourceName, via string, s Sender, timing retryTiming) *queue {
	q := &queue{name: name, via: via, sender: s, timing: timing, wake: make(chan struct{}, 1), totals: countersFor(name),
		stop: make(chan struct{}), done: make(chan struct{}), stats: channelStats{lastOK: true}}
	go q.run()
	return q
}

// push adds ev, dropping the oldest waiting event when the queue is full.
func (q *queue) push(ev alerts.Event) {
	q.mu.Lock()
	if len(q.pending) >= QueueSize {
		q.pending = q.pending[1:]
		q.stats.dropped++
		q.totals.dropped.Add(1)
	}
	q.pending = append(q.pending, ev)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *queue) run() {
	defer close(q.done)
	for {
		ev, ok := q.next()
		if !ok {
			select {
			case <-q.stop:
				return
			case <-q.wake:
				continue
			}
		}
		q.deliver(ev)
	}
}

func (q *queue) next() (alerts.Event, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) == 0 {
		return alerts.Event{}, false
	}
	ev := q.pending[0]
	q.pending = q.pending[1:]
	return ev, true
}

// deliver tries ev until it goes through, its attempts run out, or the queue stops.
func (q *queue) deliver(ev alerts.Event) {
	wait := q.timing.base
	for attempt := 1; ; attempt++ {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), q.timing.attempt)
		err := q.sender.Send(ctx, ev)
		cancel()
		q.record(err, time.Since(start), attempt >= q.timing.attempts)
		if err == nil || attempt >= q.timing.attempts {
			return
		}
		select {
		case <-q.stop:
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, q.timing.max)
	}
}

func (q *queue) record(err error, took time.Duration, last bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.stats.lastDuration, q.stats.lastErr, q.stats.lastOK = took, err, err == nil
	switch {
	case err == nil:
		q.stats.sent++
		q.totals.sent.Add(1)
		q.stats.lastSuccess = time.Now()
	case last:
		q.stats.failed++
		q.totals.failed.Add(1)
	}
}

// close stops the worker; events still waiting are given up.
func (q *queue) close() {
	close(q.stop)
	<-q.done
}

// status is the channel's entry in the snapshot's sources at now.
func (q *queue) status(now time.Time) snapshot.SourceStatus {
	q.mu.Lock()
	defer q.mu.Unlock()
	// OK: the last delivery went through (or nothing was sent yet); the failures and drops
	// so far stay in Error.
	st := snapshot.SourceStatus{Source: q.name, OK: q.stats.lastOK,
		DurationMS: float64(q.stats.lastDuration.Microseconds()) / 1000, Via: q.via}
	if !q.stats.lastSuccess.IsZero() {
		st.LastSuccess = &snapshot.Time{Time: q.stats.lastSuccess.UTC()}
		age := max(0, now.Sub(q.stats.lastSuccess).Seconds())
		st.AgeSeconds = &age
	}
	st.Error = q.stats.describe(len(q.pending))
	return st
}

// describe words the failures, "" when there are none.
func (c *channelStats) describe(waiting int) string {
	msg := ""
	if c.lastErr != nil {
		msg = c.lastErr.Error()
	}
	add := func(n int, what string) {
		if n == 0 {
			return
		}
		if msg != "" {
			msg += "; "
		}
		msg += strconv.Itoa(n) + " " + what
	}
	add(c.failed, "given up after retries")
	add(c.dropped, "dropped (queue full)")
	if c.lastErr != nil {
		add(waiting, "waiting")
	}
	return msg
}
