package main

import (
	"io"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/statefile"
)

// TestDashboardSilence: a snooze from the dashboard's keys silences the alert in this
// process and marks it on the next snapshot; the owner of the state directory keeps it
// itself, a second process also leaves it in the owner's spool.
func TestDashboardSilence(t *testing.T) {
	cfg := config.Default()
	cfg.StateDir = t.TempDir()
	now := time.Now()
	owner, err := startWatch(cfg, history.NewStore(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.close()
	other, err := startWatch(cfg, history.NewStore(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer other.close()

	snooze := statefile.Request{Action: statefile.ActionSnooze, Metric: snapshot.MetricHostDisk, Object: "/", For: time.Hour, At: now}
	ack := statefile.Request{Action: statefile.ActionAck, Metric: snapshot.MetricHostCPU, At: now}
	for _, r := range []statefile.Request{snooze, ack} {
		if err := owner.silence(r); err != nil {
			t.Fatal(err)
		}
	}
	if p, _ := statefile.Pending(cfg.StateDir); len(p) != 0 {
		t.Fatalf("the owner spooled %d requests to itself", len(p))
	}
	s := snapshot.New(now.Add(time.Second))
	s.Alerts = []snapshot.Alert{{Metric: snapshot.MetricHostDisk, Object: "/"}, {Metric: snapshot.MetricHostCPU}, {Metric: snapshot.MetricHostRAM}}
	for _, st := range owner.stages(history.NewStore()) {
		st.Process(s)
	}
	a := s.Alerts
	if a[0].Silenced == nil || a[0].Silenced.Until == nil || !a[0].Silenced.Until.Equal(now.Add(time.Hour).UTC().Truncate(0)) ||
		a[1].Silenced == nil || a[1].Silenced.Until != nil || a[2].Silenced != nil {
		t.Fatalf("marks = %+v %+v %+v", a[0].Silenced, a[1].Silenced, a[2].Silenced)
	}

	off := statefile.Request{Action: statefile.ActionOff, Metric: snapshot.MetricHostDisk, Object: "/", At: now}
	if err := other.silence(off); err != nil {
		t.Fatal(err)
	}
	p, err := statefile.Pending(cfg.StateDir)
	if err != nil || len(p) != 1 || p[0].Action != statefile.ActionOff || p[0].Metric != snapshot.MetricHostDisk || p[0].Object != "/" {
		t.Fatalf("the owner's spool = %+v, %v", p, err)
	}
	if other.snoozes.Silenced(snapshot.MetricHostDisk, "/", now) {
		t.Error("the second process still shows the snooze it ended")
	}
}
