// Package remote is the dashboard's source for --connect: the snapshots of a remote
// hsi-top --serve, read from its /ws/system feed, with the history filled at connect
// from its REST history endpoint. It stands in for the collector engine under the
// dashboard (Subscribe, CollectNow, Interval, Latest) and for the history reader.
package remote

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/internal/pubsub"
	"github.com/hsi-top/hsi-top/snapshot"
)

// Reconnection backoff: the first retry after MinBackoff, doubling to MaxBackoff.
const (
	MinBackoff = 500 * time.Millisecond
	MaxBackoff = 30 * time.Second
)

// MaxFrameBytes bounds one frame read from the feed (a frame is some 10 KB).
const MaxFrameBytes = 4 << 20

// Options configure a Source.
type Options struct {
	// URL is the remote: ws://box:8089/ws/system (wss:// too), or http(s)://box:8089
	// for which /ws/system is the feed.
	URL string
	// APIKey is sent as X-API-Key on the upgrade and the REST requests; "" for none.
	APIKey string
	// Clock is the wall clock for the stale age and the backoff; clock.Real{} when nil.
	Clock clock.Clock
	// HTTPClient fetches the history; a client with a 10 s timeout when nil.
	HTTPClient *http.Client
	// Stage, when set, sees each new snapshot after the history (--connect --record),
	// on Run's goroutine.
	Stage interface{ Process(*snapshot.Snapshot) }
}

// Source follows one remote --serve. Run connects and reconnects; the other methods
// may be called from any goroutine.
type Source struct {
	wsURL, httpBase, display string
	key                      string
	clk                      clock.Clock
	client                   *http.Client
	stage                    interface{ Process(*snapshot.Snapshot) }

	hub   pubsub.Hub
	store *history.Store
	retry chan struct{} // CollectNow: reconnect now

	mu       sync.Mutex
	up       bool
	everUp   bool
	lastSeen time.Time // wall time of the last frame
	lastErr  string
	interval time.Duration
	lastTS   time.Time // the last frame's snapshot timestamp
}

// New checks the URL and returns a Source that has not connected yet.
func New(o Options) (*Source, error) {
	ws, base, err := endpoints(o.URL)
	if err != nil {
		return nil, err
	}
	s := &Source{wsURL: ws, httpBase: base, key: o.APIKey, clk: o.Clock, client: o.HTTPClient,
		stage: o.Stage, store: history.NewStore(), retry: make(chan struct{}, 1), interval: 5 * time.Second}
	if u, err := url.Parse(base); err == nil {
		s.display = u.Host
	}
	if s.clk == nil {
		s.clk = clock.Real{}
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second}
	}
	return s, nil
}

// endpoints derives the feed's ws URL and the REST base from what the user gave.
func endpoints(raw string) (wsURL, httpBase string, err error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return "", "", fmt.Errorf("--connect %q: want ws://HOST:PORT/ws/system or http://HOST:PORT", raw)
	}
	if u.User != nil {
		return "", "", fmt.Errorf("--connect: put the key in --api-key, not in the URL")
	}
	httpScheme, wsScheme := "http", "ws"
	switch u.Scheme {
	case "ws", "http":
	case "wss", "https":
		httpScheme, wsScheme = "https", "wss"
	default:
		return "", "", fmt.Errorf("--connect %q: the scheme must be ws, wss, http or https", raw)
	}
	path := strings.TrimSuffix(u.Path, "/")
	prefix := strings.TrimSuffix(path, "/ws/system") // behind a proxy the feed may sit under a prefix
	if u.Scheme == "ws" || u.Scheme == "wss" {
		if !strings.HasSuffix(path, "/ws/system") {
			prefix = path
		}
	}
	wsURL = (&url.URL{Scheme: wsScheme, Host: u.Host, Path: prefix + "/ws/system"}).String()
	httpBase = (&url.URL{Scheme: httpScheme, Host: u.Host, Path: prefix}).String()
	return wsURL, httpBase, nil
}

// Subscribe delivers each frame's snapshot, and the last one again each second while
// the link is down (so the header's stale age counts).
func (s *Source) Subscribe() (<-chan *snapshot.Snapshot, func()) { return s.hub.Subscribe() }

// Latest is the last snapshot received.
func (s *Source) Latest() *snapshot.Snapshot { return s.hub.Latest() }

// CollectNow reconnects at once when the link is down (the remote collects on its own
// schedule; a connected dashboard has nothing to ask).
func (s *Source) CollectNow() {
	select {
	case s.retry <- struct{}{}:
	default:
	}
}

// Interval is the remote's collection interval, as its frames are spaced.
func (s *Source) Interval() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.interval
}

// Series reads the history (filled at connect, then from every frame).
func (s *Source) Series(key string, r history.Range) []history.Point { return s.store.Series(key, r) }

// Snapshots reads the history's snapshots (the container strips).
func (s *Source) Snapshots(r history.Range) []*snapshot.Snapshot { return s.store.Snapshots(r) }

// Connected reports whether the feed is being read now.
func (s *Source) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.up
}

// Badge is the header's label: "remote box:8089" while connected, "remote · stale 12s"
// once the link dropped, "remote · connecting" before the first frame.
func (s *Source) Badge() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.up:
		return "remote " + s.display
	case !s.everUp:
		if s.lastErr != "" {
			return "remote · unreachable: " + s.lastErr
		}
		return "remote · connecting"
	}
	age := max(0, s.clk.Now().Sub(s.lastSeen)).Truncate(time.Second)
	return fmt.Sprintf("remote · stale %s", age)
}

// Run follows the remote until ctx ends: connect, fill the history, read frames; after
// a failure wait (MinBackoff doubling to MaxBackoff, reset by a frame) and again.
func (s *Source) Run(ctx context.Context) {
	backoff := MinBackoff
	for ctx.Err() == nil {
		got, err := s.follow(ctx)
		if ctx.Err() != nil {
			return
		}
		s.down(err)
		if got {
			backoff = MinBackoff
		}
		if !s.waitRetry(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, MaxBackoff)
	}
}

// down records a dropped (or refused) link.
func (s *Source) down(err error) {
	msg := "closed"
	if err != nil {
		msg = shortError(err)
	}
	s.mu.Lock()
	s.up, s.lastErr = false, msg
	s.mu.Unlock()
	s.republish()
}

// waitRetry waits d (or CollectNow), republishing the last snapshot each second so the
// stale age on screen moves. It returns false when ctx ended.
func (s *Source) waitRetry(ctx context.Context, d time.Duration) bool {
	wait := s.clk.NewTicker(d)
	defer wait.Stop()
	each := s.clk.NewTicker(time.Second)
	defer each.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-s.retry:
			return true
		case <-wait.C():
			return true
		case <-each.C():
			s.republish()
		}
	}
}

// republish offers the last snapshot again (nothing before the first): the dashboard
// redraws its header, and the badge says how stale it is.
func (s *Source) republish() {
	if last := s.hub.Latest(); last != nil {
		s.hub.Publish(last)
	}
}

// shortError is err's last part, without the URL Go's errors repeat.
func shortError(err error) string {
	var refused refusedError
	if errors.As(err, &refused) {
		return refused.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && len(msg)-i < 60 {
		msg = msg[i+2:]
	}
	return msg
}
