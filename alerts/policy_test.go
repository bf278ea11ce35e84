package alerts

import (
	"fmt"
	"strings"
	"testing"
	"time"

	fakeclock "github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// diskAt is a snapshot whose only known number is the use of two mounts.
func diskAt(ts time.Time, root, recordings float64) *snapshot.Snapshot {
	s := snapshot.New(ts)
	s.Hostname = "box"
	s.Host.Mounts = []snapshot.Mount{{Path: "/", Percent: snapshot.F(root)}, {Path: "/recordings", Percent: snapshot.F(recordings)}}
	return s
}

// policyRun drives an Engine and a Policy with a fake clock, one 5 s tick at a time.
type policyRun struct {
	clk    *fakeclock.Fake
	eng    *Engine
	pol    *Policy
	snooze *SnoozeStore
	log    []string // "+1m0s raise critical host_disk /"
}

func newPolicyRun(mute ...string) *policyRun {
	cfg := config.DefaultAlerts()
	clk := fakeclock.NewFake(t0)
	sn := NewSnoozeStore()
	return &policyRun{
		clk: clk, snooze: sn,
		eng: NewEngine(cfg, Options{Interval: tick}),
		pol: NewPolicy(cfg, PolicyOptions{Start: t0, RepeatEvery: time.Hour, Mute: mute, Snoozes: sn, Interval: tick}),
	}
}

// run ticks for d with the given disk use and records the events.
func (r *policyRun) run(d time.Duration, root, recordings float64) {
	for end := r.clk.Now().Add(d); r.clk.Now().Before(end); r.clk.Advance(tick) {
		s := diskAt(r.clk.Now(), root, recordings)
		r.eng.Process(s)
		for _, ev := range r.pol.Evaluate(s) {
			r.log = append(r.log, fmt.Sprintf("+%s %s %s %s %s", ev.Time.Sub(t0), ev.Event, ev.Severity, ev.Metric, ev.Object))
		}
	}
}

func TestPolicyRaiseClearRepeatSnooze(t *testing.T) {
	r := newPolicyRun()
	// Critical from the first sample: held for one interval (the first sample alone sends
	// nothing), then raised once.
	r.run(time.Hour+2*time.Minute, 95, 50)
	// Repeated an hour after the raise, not before; then the disk is freed: a clear.
	r.run(time.Minute, 50, 50)
	// A warning never repeats.
	r.run(2*time.Hour, 85, 50)
	r.run(time.Minute, 50, 50)
	// Snoozed for 30 minutes: a raise inside the snooze waits until it ends...
	r.snooze.Snooze("host_disk", "/", r.clk.Now(), 30*time.Minute)
	r.run(40*time.Minute, 95, 50)
	// ...and an acknowledged alert sends neither repeats nor its clear.
	r.snooze.Acknowledge("host_disk", "/", r.clk.Now())
	r.run(2*time.Hour, 95, 50)
	r.run(time.Minute, 50, 50)
	// The acknowledgement ended with the clear: the next raise is sent.
	r.run(time.Minute, 95, 50)

	want := []string{
		"+5s raise critical host_disk /",
		"+1h0m5s repeat critical host_disk /",
		"+1h2m0s clear critical host_disk /",
		"+1h3m0s raise warning host_disk /",
		"+3h3m0s clear warning host_disk /",
		"+3h34m0s raise critical host_disk /",
		"+5h45m0s raise critical host_disk /",
	}
	if got := strings.Join(r.log, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func TestPolicyStartupGraceWaitsForAFullWindow(t *testing.T) {
	// A value past its level in the first sample only sends nothing.
	r := newPolicyRun()
	r.run(tick, 95, 50)
	r.run(2*time.Minute, 50, 50)
	if len(r.log) != 0 {
		t.Errorf("a first-sample blip was sent: %v", r.log)
	}
	// A sustained rule raised inside the grace (CPU: 1 minute windows) is sent once its
	// window has passed since start, not earlier.
	pol := NewPolicy(config.DefaultAlerts(), PolicyOptions{Start: t0, Interval: tick})
	cpu := snapshot.Alert{Metric: "host_cpu", Severity: snapshot.SeverityCritical, Since: snapshot.Time{Time: t0.Add(50 * time.Second)}}
	for at := 50 * time.Second; at <= 70*time.Second; at += tick {
		s := diskAt(t0.Add(at), 50, 50)
		s.Alerts = []snapshot.Alert{cpu}
		evs := pol.Evaluate(s)
		if sent := len(evs) > 0; sent != (at == time.Minute) {
			t.Errorf("at +%s: events %v, want the raise at +1m0s only", at, evs)
		}
	}
}

func TestPolicyMuteByMountRuleAndService(t *testing.T) {
	r := newPolicyRun("/recordings")
	r.run(2*time.Minute, 50, 99)
	if len(r.log) != 0 {
		t.Errorf("a muted mount was sent: %v", r.log)
	}
	r.run(time.Minute, 95, 99)
	if len(r.log) != 1 || !strings.Contains(r.log[0], "raise critical host_disk /") {
		t.Errorf("the unmuted mount: %v, want one raise of /", r.log)
	}

	pol := NewPolicy(config.DefaultAlerts(), PolicyOptions{Mute: []string{"host_disk", "ai-llm"}})
	s := diskAt(t0, 95, 95)
	s.Containers = snapshot.Containers{{Name: "ai-llm", State: snapshot.StatusUnreachable}, {Name: "backend", State: snapshot.HealthHealthy}}
	disk := snapshot.Alert{Metric: "host_disk", Object: "/", Severity: snapshot.SeverityCritical}
	containers := snapshot.Alert{Metric: "container_health", Severity: snapshot.SeverityWarning}
	if !pol.Muted(disk, s) || !pol.Muted(containers, s) {
		t.Errorf("a muted rule or a down service that is expected offline is not muted")
	}
	s.Containers[1].State = snapshot.HealthUnhealthy
	if pol.Muted(containers, s) {
		t.Errorf("container health is muted although backend, which is not in the mute list, is down")
	}
	s.Alerts = []snapshot.Alert{disk}
	if pol.CriticalActive(s) {
		t.Errorf("a muted critical stops the heartbeat")
	}
}

func TestPolicyAfterARestartRemembersWhatWasSent(t *testing.T) {
	first := newPolicyRun()
	first.run(10*time.Minute, 95, 50)
	sent := first.pol.Sent()
	if len(sent) != 1 || sent[0].Alert.Metric != snapshot.MetricHostDisk || !sent[0].LastSent.Equal(t0.Add(tick)) {
		t.Fatalf("sent %+v", sent)
	}

	// Still critical after the restart: no second raise, and the repeat keeps its hour.
	again := newPolicyRun()
	again.clk.Set(t0.Add(10 * time.Minute))
	again.pol = NewPolicy(config.DefaultAlerts(), PolicyOptions{Start: again.clk.Now(), RepeatEvery: time.Hour, Interval: tick})
	again.pol.Restore(sent)
	again.run(55*time.Minute, 95, 50)
	if want := "+1h0m5s repeat critical host_disk /"; strings.Join(again.log, "\n") != want {
		t.Errorf("after the restart: %v, want only %q", again.log, want)
	}

	// Cleared while hsi-top was down: the clear is sent once the rule had its chance to
	// raise it again (the start-up minute), not at the first tick.
	cleared := newPolicyRun()
	cleared.clk.Set(t0.Add(10 * time.Minute))
	cleared.pol = NewPolicy(config.DefaultAlerts(), PolicyOptions{Start: cleared.clk.Now(), RepeatEvery: time.Hour, Interval: tick})
	cleared.pol.Restore(sent)
	cleared.run(2*time.Minute, 50, 50)
	if want := "+11m0s clear critical host_disk /"; strings.Join(cleared.log, "\n") != want {
		t.Errorf("cleared while down: %v, want %q", cleared.log, want)
	}
}
