// Package notify sends hsi-top's alerts to the people who are not looking: ntfy topics,
// generic webhooks (JSON, optionally HMAC-SHA256 signed) and MQTT with Home Assistant
// discovery, plus a dead-man's heartbeat. The Notifier is a collector stage placed after
// the alert rules: it decides what to send with alerts.Policy (raise, clear, a critical
// repeated at most every repeat_every, mute, snooze) and hands each event to a bounded
// queue per channel whose goroutine delivers it with retries, so a slow or dead channel
// never holds a tick. Each channel reports itself in the snapshot's sources (and so on
// /metrics as hsi_top_source_up{source="notify_…"}).
package notify

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// Source names of the channels in the snapshot's sources: notify_ntfy, notify_webhook
// and so on, numbered from 2 when a kind is configured more than once.
const (
	SourceNtfy      snapshot.SourceName = "notify_ntfy"
	SourceWebhook   snapshot.SourceName = "notify_webhook"
	SourceMQTT      snapshot.SourceName = "notify_mqtt"
	SourceHeartbeat snapshot.SourceName = "notify_heartbeat"
)

// Options configure a Notifier beyond the configuration.
type Options struct {
	// Version goes into the User-Agent.
	Version string
	// Start is when collection began, for the start-up grace (the first snapshot's time
	// when zero).
	Start time.Time
	// Snoozes silence single alerts on every channel; a new empty store when nil.
	Snoozes *alerts.SnoozeStore
	// Clock drives the heartbeat; clock.Real{} when nil.
	Clock clock.Clock
	// HTTPClient sends ntfy, webhook and heartbeat requests; one with a 10 s timeout
	// when nil.
	HTTPClient *http.Client
	// Interval is the collection interval: the heartbeat counts the collector dead when
	// its newest snapshot is older than three of them.
	Interval time.Duration

	// Sent are the previous run's sent alerts (from the state file), so a restart does
	// not raise them again.
	Sent []alerts.SentAlert

	timing retryTiming // tests shorten the retries
}

// Notifier is the notification stage. Process runs on the collector's goroutine;
// Close stops the delivery goroutines.
type Notifier struct {
	policy  *alerts.Policy
	snoozes *alerts.SnoozeStore
	queues  []*queue
	mqtt    *mqttChannel
	beat    *heartbeat

	closeOnce sync.Once
}

// Enabled reports whether cfg configures any channel or the heartbeat.
func Enabled(cfg config.NotifyConfig) bool {
	return len(cfg.Ntfy) > 0 || len(cfg.Webhook) > 0 || cfg.MQTT.Broker != "" || cfg.HeartbeatURL != ""
}

// New starts the channels of cfg.Notify. An MQTT broker that is down is not an error:
// the client keeps reconnecting and the channel reports itself down meanwhile.
func New(cfg config.Config, opts Options) (*Notifier, error) {
	if opts.Snoozes == nil {
		opts.Snoozes = alerts.NewSnoozeStore()
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: AttemptTimeout}
	}
	if opts.timing == (retryTiming{}) {
		opts.timing = defaultTiming
	}
	if opts.Interval <= 0 {
		opts.Interval = cfg.Interval.D()
	}
	agent := "hsi-top/" + cmp.Or(opts.Version, "dev")
	nc := cfg.Notify
	n := &Notifier{
		snoozes: opts.Snoozes,
		policy: alerts.NewPolicy(cfg.Alerts, alerts.PolicyOptions{
			Start: opts.Start, RepeatEvery: nc.RepeatEvery.D(), Mute: nc.Mute, Snoozes: opts.Snoozes, Interval: opts.Interval,
		}),
	}
	n.policy.Restore(opts.Sent)
	for i, c := range nc.Ntfy {
		n.queues = append(n.queues, newQueue(numbered(SourceNtfy, i), snapshot.ViaHTTP, &ntfy{cfg: c, client: opts.HTTPClient, agent: agent}, opts.timing))
	}
	for i, c := range nc.Webhook {
		n.queues = append(n.queues, newQueue(numbered(SourceWebhook, i), snapshot.ViaHTTP, &webhook{cfg: c, client: opts.HTTPClient, agent: agent}, opts.timing))
	}
	if nc.MQTT.Broker != "" {
		m, err := newMQTT(cfg, opts.Version)
		if err != nil {
			n.Close()
			return nil, err
		}
		n.mqtt = m
		n.queues = append(n.queues, newQueue(SourceMQTT, "mqtt", m, opts.timing))
	}
	if nc.HeartbeatURL != "" {
		n.beat = newHeartbeat(nc.HeartbeatURL, nc.HeartbeatEvery.D(), 3*opts.Interval, opts.Clock, opts.HTTPClient, agent)
	}
	return n, nil
}

func numbered(name snapshot.SourceName, i int) snapshot.SourceName {
	if i == 0 {
		return name
	}
	return name + snapshot.SourceName("_"+strconv.Itoa(i+1))
}

// Sent returns the alerts whose raise went out and are still active, for the state file.
func (n *Notifier) Sent() []alerts.SentAlert { return n.policy.Sent() }

// Snoozes returns the store the channels honour (the dashboard's snooze key and the
// state file use it).
func (n *Notifier) Snoozes() *alerts.SnoozeStore { return n.snoozes }

// Process queues the events s's alerts call for, publishes s's state to MQTT and adds
// each channel's status to s.Sources. It never waits for a network.
func (n *Notifier) Process(s *snapshot.Snapshot) {
	if s == nil {
		return
	}
	for _, ev := range n.policy.Evaluate(s) {
		for _, q := range n.queues {
			q.push(ev)
		}
	}
	if n.mqtt != nil {
		n.mqtt.publishState(s)
	}
	if n.beat != nil {
		n.beat.observe(s.Timestamp.Time, n.policy.CriticalActive(s))
	}
	n.addSources(s)
}

func (n *Notifier) addSources(s *snapshot.Snapshot) {
	now := s.Timestamp.Time
	for _, q := range n.queues {
		st := q.status(now)
		if q.name == SourceMQTT {
			n.mqtt.amend(&st)
		}
		s.Sources = append(s.Sources, st)
	}
	if n.beat != nil {
		s.Sources = append(s.Sources, n.beat.status(now))
	}
	slices.SortStableFunc(s.Sources, func(a, b snapshot.SourceStatus) int { return cmp.Compare(a.Source, b.Source) })
}

// Stats are a channel's delivery counts since start, for /metrics.
type Stats struct {
	Channel               snapshot.SourceName
	Sent, Failed, Dropped int
	Waiting               int
}

// Stats returns every channel's counts.
func (n *Notifier) Stats() []Stats {
	out := make([]Stats, 0, len(n.queues))
	for _, q := range n.queues {
		q.mu.Lock()
		out = append(out, Stats{Channel: q.name, Sent: q.stats.sent, Failed: q.stats.failed, Dropped: q.stats.dropped, Waiting: len(q.pending)})
		q.mu.Unlock()
	}
	return out
}

// Close stops every channel: events still waiting are given up, MQTT says offline.
func (n *Notifier) Close() error {
	var errs []error
	n.closeOnce.Do(func() {
		for _, q := range n.queues {
			q.close()
		}
		if n.beat != nil {
			n.beat.close()
		}
		if n.mqtt != nil {
			if err := n.mqtt.close(); err != nil {
				errs = append(errs, fmt.Errorf("mqtt: %w", err))
			}
		}
	})
	return errors.Join(errs...)
}
