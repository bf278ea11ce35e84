package notify

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// heartbeat requests a URL every period while the collector is alive (its newest
// snapshot is younger than staleAfter) and no critical alert is active: the
// push-monitor pattern (healthchecks.io, Uptime Kuma), so silence itself alerts.
type heartbeat struct {
	url        config.SecretURL
	staleAfter time.Duration
	clk        clock.Clock
	client     *http.Client
	agent      string

	mu       sync.Mutex
	lastSnap time.Time
	critical bool
	stats    channelStats
	skipped  string // why the last beat was not sent, "" when it was
	beats    int    // periods decided so far (tests wait for one)

	stop chan struct{}
	done chan struct{}
}

func newHeartbeat(url config.SecretURL, every, staleAfter time.Duration, clk clock.Clock, client *http.Client, agent string) *heartbeat {
	h := &heartbeat{url: url, staleAfter: staleAfter, clk: clk, client: client, agent: agent,
		stats: channelStats{lastOK: true}, stop: make(chan struct{}), done: make(chan struct{})}
	tk := clk.NewTicker(every)
	go h.run(tk)
	return h
}

// observe records the newest snapshot's time and whether a critical is active.
func (h *heartbeat) observe(ts time.Time, critical bool) {
	h.mu.Lock()
	h.lastSnap, h.critical = ts, critical
	h.mu.Unlock()
}

func (h *heartbeat) run(tk clock.Ticker) {
	defer close(h.done)
	defer tk.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-tk.C():
			h.beat()
		}
	}
}

// beat sends one heartbeat unless the collector is stalled or a critical is active.
func (h *heartbeat) beat() {
	h.mu.Lock()
	now := h.clk.Now()
	switch {
	case h.lastSnap.IsZero() || now.Sub(h.lastSnap) > h.staleAfter:
		h.skipped = "not sent: the collector is stalled"
	case h.critical:
		h.skipped = "not sent: a critical alert is active"
	default:
		h.skipped = ""
	}
	skip := h.skipped != ""
	if skip {
		h.beats++
	}
	h.mu.Unlock()
	if skip {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), AttemptTimeout)
	defer cancel()
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url.Value(), nil)
	if err == nil {
		req.Header.Set("User-Agent", h.agent)
		err = do(h.client, req)
	} else {
		err = errors.New("bad heartbeat URL")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.beats++
	h.stats.lastDuration, h.stats.lastErr, h.stats.lastOK = time.Since(start), err, err == nil
	c := countersFor(SourceHeartbeat)
	if err == nil {
		h.stats.sent++
		h.stats.lastSuccess = h.clk.Now()
		c.sent.Add(1)
	} else {
		h.stats.failed++
		c.failed.Add(1)
	}
}

func (h *heartbeat) status(now time.Time) snapshot.SourceStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := snapshot.SourceStatus{Source: SourceHeartbeat, OK: h.stats.lastOK, Via: snapshot.ViaHTTP,
		DurationMS: float64(h.stats.lastDuration.Microseconds()) / 1000}
	if !h.stats.lastSuccess.IsZero() {
		st.LastSuccess = &snapshot.Time{Time: h.stats.lastSuccess.UTC()}
		age := max(0, now.Sub(h.stats.lastSuccess).Seconds())
		st.AgeSeconds = &age
	}
	st.Error = h.skipped
	if h.stats.lastErr != nil {
		st.Error = h.stats.lastErr.Error()
	}
	return st
}

// counts returns how many periods were decided and how many heartbeats went through.
func (h *heartbeat) counts() (beats, sent int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.beats, h.stats.sent
}

func (h *heartbeat) close() {
	close(h.stop)
	<-h.done
}
