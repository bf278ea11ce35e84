package notify

import (
	"net/http"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/config"
)

func TestHeartbeatOnlyWhileAliveAndNoCritical(t *testing.T) {
	rcv := newReceiver(t, nil)
	clk := clock.NewFake(t0)
	cfg := config.Default()
	cfg.Notify.HeartbeatURL = config.SecretURL(rcv.URL + "/ping/uuid")
	cfg.Notify.HeartbeatEvery = config.Duration(5 * time.Minute)
	n, err := New(cfg, Options{Version: "test", Start: t0.Add(-time.Hour), Clock: clk, Interval: 5 * time.Second, timing: fastTiming})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()

	// beat advances the clock by one period with a fresh snapshot at its end, and says
	// whether a heartbeat went out.
	beat := func(critical bool) bool {
		t.Helper()
		beats, sent := n.beat.counts()
		at := clk.Now().Add(5 * time.Minute)
		s := snapAt(at)
		if critical {
			s.Alerts = append(s.Alerts, diskAlert(at))
		}
		n.Process(s)
		clk.Set(at)
		waitFor(t, func() bool { b, _ := n.beat.counts(); return b > beats })
		_, now := n.beat.counts()
		return now > sent
	}
	if !beat(false) {
		t.Fatal("no heartbeat while alive and quiet")
	}
	got := rcv.next(t)
	if got.method != http.MethodGet || got.header.Get("User-Agent") != "hsi-top/test" {
		t.Errorf("heartbeat %s %v", got.method, got.header)
	}
	if beat(true) {
		t.Error("a heartbeat while a critical alert is active")
	}
	s := snapAt(clk.Now())
	n.Process(s)
	if src, _ := s.Source(SourceHeartbeat); src.Error != "not sent: a critical alert is active" {
		t.Errorf("heartbeat source %+v", src)
	}
	if !beat(false) {
		t.Error("no heartbeat once the critical cleared")
	}
	// The collector stalls: the last snapshot is older than three intervals.
	beats, sent := n.beat.counts()
	clk.Advance(5 * time.Minute)
	waitFor(t, func() bool { b, _ := n.beat.counts(); return b > beats })
	if src := n.beat.status(clk.Now()); src.Error != "not sent: the collector is stalled" {
		t.Errorf("heartbeat source %+v", src)
	}
	if _, now := n.beat.counts(); now != sent {
		t.Error("a heartbeat while the collector is stalled")
	}
}
