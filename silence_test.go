package main

import (
	"io"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/statefile"
	"github.com/hsi-top/hsi-top/tui"
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

	// u in the second process's alert log: the alert's snooze and its rule's end.
	if err := other.dashboardSilence(tui.SilenceRequest{Action: tui.SilenceOff, Metric: snapshot.MetricHostDisk, Object: "/", At: now}); err != nil {
		t.Fatal(err)
	}
	p, err := statefile.Pending(cfg.StateDir)
	if err != nil || len(p) != 2 || p[0].Action != statefile.ActionOff || p[0].Metric != snapshot.MetricHostDisk || p[0].Object != "/" || p[1].Object != alerts.AnyObject {
		t.Fatalf("the owner's spool = %+v, %v", p, err)
	}
	// The owner applies them as it does hsi-top snooze's.
	for _, r := range p {
		statefile.Apply(owner.snoozes, r)
	}
	if owner.snoozes.Silenced(snapshot.MetricHostDisk, "/", now) {
		t.Error("the owner still holds the snooze the second process ended")
	}
	if err := other.dashboardSilence(tui.SilenceRequest{Action: tui.SilenceSnooze, For: 4 * time.Hour, Metric: snapshot.MetricGPUTemperature, Object: "0", At: now.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	// (Submit names a request by its time: one at the same instant would replace another.)
	if p, _ := statefile.Pending(cfg.StateDir); len(p) != 3 || p[2].Action != statefile.ActionSnooze || p[2].For != 4*time.Hour {
		t.Fatalf("a snooze from the second process = %+v", p)
	}
	if other.snoozes.Silenced(snapshot.MetricHostDisk, "/", now) {
		t.Error("the second process still shows the snooze it ended")
	}
}
