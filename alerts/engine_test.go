package alerts

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

const tick = 5 * time.Second

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// calm returns a snapshot where every rule's value is known and good.
func calm(ts time.Time) *snapshot.Snapshot {
	s := snapshot.New(ts)
	s.GPUs = []snapshot.GPU{{Name: "RTX", Index: 0, Utilization: snapshot.F(40), Temperature: snapshot.F(60), VRAMPercent: snapshot.F(50), PowerWatts: snapshot.F(200)}}
	s.GPU = &s.GPUs[0]
	s.Inference.DetectorLatency = &snapshot.Latency{Avg: snapshot.F(30), P95: snapshot.F(50)}
	s.Inference.LLMLatency = &snapshot.Latency{Avg: snapshot.F(2000), P95: snapshot.F(3000)}
	s.Databases.PostgreSQL = snapshot.PostgreSQL{Status: snapshot.StatusHealthy, ConnectionsActive: snapshot.I(10), ConnectionsTotal: snapshot.I(12), ConnectionsMax: snapshot.I(100), CacheHitRatio: snapshot.F(99)}
	s.Databases.Redis = snapshot.Redis{Status: snapshot.StatusHealthy, MemoryUsedBytes: snapshot.I(40 << 20), HitRatio: snapshot.F(90)}
	s.Host = snapshot.Host{CPUPercent: snapshot.F(20), RAMPercent: snapshot.F(40), DiskPercent: snapshot.F(50),
		Mounts: []snapshot.Mount{{Path: "/", Percent: snapshot.F(50)}, {Path: "/recordings", Percent: snapshot.F(60)}}}
	for _, n := range []string{"backend", "frontend", "postgres", "redis", "ai-detector", "ai-llm"} {
		s.Containers = append(s.Containers, snapshot.Container{Name: n, State: snapshot.HealthHealthy, Health: snapshot.HealthHealthy})
	}
	return s
}

// ruleCase drives one rule through raise, hysteresis, escalation and clear.
type ruleCase struct {
	metric        snapshot.AlertMetric
	object        string
	set           func(s *snapshot.Snapshot, v float64)
	good          float64
	warn          float64
	warnMsg       string
	hover         float64 // between the warning clear level and the warning level; NaN: none
	crit          float64
	critMsg       string
	noOscillation bool // integer counts cannot hover ±0.5
}

var ruleCases = []ruleCase{
	{metric: "gpu_utilization", object: "gpu0", set: func(s *snapshot.Snapshot, v float64) { s.GPUs[0].Utilization = snapshot.F(v) },
		good: 50, warn: 95, warnMsg: "GPU utilization high: 95.0%", hover: 88, crit: 99, critMsg: "GPU utilization critical: 99.0%"},
	{metric: "gpu_temperature", object: "gpu0", set: func(s *snapshot.Snapshot, v float64) { s.GPUs[0].Temperature = snapshot.F(v) },
		good: 60, warn: 82, warnMsg: "GPU temperature high: 82°C", hover: 73, crit: 88, critMsg: "GPU temperature critical: 88°C"},
	{metric: "gpu_vram", object: "gpu0", set: func(s *snapshot.Snapshot, v float64) { s.GPUs[0].VRAMPercent = snapshot.F(v) },
		good: 50, warn: 91.2, warnMsg: "GPU VRAM high: 91.2%", hover: 88, crit: 96, critMsg: "GPU VRAM critical: 96.0%"},
	{metric: "gpu_power", object: "gpu0", set: func(s *snapshot.Snapshot, v float64) { s.GPUs[0].PowerWatts = snapshot.F(v) },
		good: 200, warn: 310, warnMsg: "GPU power high: 310W", hover: 290, crit: 360, critMsg: "GPU power critical: 360W"},
	{metric: "rtdetr_latency_p95", set: func(s *snapshot.Snapshot, v float64) { s.Inference.DetectorLatency.P95 = snapshot.F(v) },
		good: 50, warn: 250, warnMsg: "Detector latency p95 high: 250ms", hover: 195, crit: 600, critMsg: "Detector latency p95 critical: 600ms"},
	{metric: "nemotron_latency_p95", set: func(s *snapshot.Snapshot, v float64) { s.Inference.LLMLatency.P95 = snapshot.F(v) },
		good: 3000, warn: 12000, warnMsg: "LLM latency p95 high: 12.0s", hover: 9800, crit: 31000, critMsg: "LLM latency p95 critical: 31.0s"},
	{metric: "pg_connections", set: func(s *snapshot.Snapshot, v float64) {
		s.Databases.PostgreSQL.ConnectionsTotal = snapshot.I(int64(math.Round(v * 10)))
		s.Databases.PostgreSQL.ConnectionsMax = snapshot.I(1000)
	}, good: 10, warn: 85, warnMsg: "PostgreSQL connections high: 850/1000", hover: 78, crit: 96.7, critMsg: "PostgreSQL connections critical: 967/1000"},
	{metric: "pg_cache_hit", set: func(s *snapshot.Snapshot, v float64) { s.Databases.PostgreSQL.CacheHitRatio = snapshot.F(v) },
		good: 99, warn: 85, warnMsg: "PostgreSQL cache hit ratio low: 85.0%", hover: 92, crit: 75, critMsg: "PostgreSQL cache hit ratio critical: 75.0%"},
	{metric: "redis_memory", set: func(s *snapshot.Snapshot, v float64) {
		s.Databases.Redis.MemoryUsedBytes = snapshot.I(int64(v * snapshot.MiB))
	},
		good: 40, warn: 150, warnMsg: "Redis memory high: 150.0MB", hover: 97, crit: 512, critMsg: "Redis memory critical: 512.0MB"},
	{metric: "redis_hit_ratio", set: func(s *snapshot.Snapshot, v float64) { s.Databases.Redis.HitRatio = snapshot.F(v) },
		good: 90, warn: 40, warnMsg: "Redis hit ratio low: 40.0%", hover: 52, crit: 5, critMsg: "Redis hit ratio critical: 5.0%"},
	{metric: "host_cpu", set: func(s *snapshot.Snapshot, v float64) { s.Host.CPUPercent = snapshot.F(v) },
		good: 20, warn: 85, warnMsg: "CPU high: 85.0%", hover: 78, crit: 97, critMsg: "CPU critical: 97.0%"},
	{metric: "host_ram", set: func(s *snapshot.Snapshot, v float64) { s.Host.RAMPercent = snapshot.F(v) },
		good: 40, warn: 90, warnMsg: "RAM high: 90.0%", hover: 82, crit: 96, critMsg: "RAM critical: 96.0%"},
	{metric: "host_disk", object: "/recordings", set: func(s *snapshot.Snapshot, v float64) { s.Host.Mounts[1].Percent = snapshot.F(v) },
		good: 30, warn: 85, warnMsg: "Disk /recordings high: 85.0%", hover: 79, crit: 93, critMsg: "Disk /recordings critical: 93.0%"},
	{metric: "container_health", set: func(s *snapshot.Snapshot, v float64) {
		for i := range s.Containers {
			s.Containers[i].State = snapshot.HealthHealthy
			if i < int(v) {
				s.Containers[i].State = snapshot.HealthUnhealthy
			}
		}
	}, good: 0, warn: 1, warnMsg: "Containers high: 1 unhealthy (backend unhealthy)", hover: math.NaN(),
		crit: 2, critMsg: "Containers critical: 2 unhealthy (backend unhealthy, frontend unhealthy)", noOscillation: true},
}

func ruleFor(t *testing.T, cfg *config.AlertsConfig, metric string) config.NamedRule {
	t.Helper()
	for _, nr := range cfg.Rules.List() {
		if nr.Metric == metric {
			return nr
		}
	}
	t.Fatalf("no rule %s", metric)
	return config.NamedRule{}
}

// driver feeds snapshots 5 s apart.
type driver struct {
	t   *testing.T
	e   *Engine
	now time.Time
	set func(s *snapshot.Snapshot, v float64)
}

func (d *driver) feed(v float64) *snapshot.Snapshot {
	s := calm(d.now)
	if d.set != nil {
		d.set(s, v)
	}
	d.e.Process(s)
	d.now = d.now.Add(tick)
	return s
}

func oneAlert(t *testing.T, s *snapshot.Snapshot) *snapshot.Alert {
	t.Helper()
	switch len(s.Alerts) {
	case 0:
		return nil
	case 1:
		return &s.Alerts[0]
	}
	t.Fatalf("%s: %d alerts, want at most one: %+v", s.Timestamp, len(s.Alerts), s.Alerts)
	return nil
}

// TestEveryRule raises, holds (hysteresis), escalates and clears each of the 14 rules,
// and checks that sustained rules do not fire a sample early.
func TestEveryRule(t *testing.T) {
	cfg := config.DefaultAlerts()
	if len(ruleCases) != len(cfg.Rules.List()) {
		t.Fatalf("%d cases for %d rules", len(ruleCases), len(cfg.Rules.List()))
	}
	for _, tc := range ruleCases {
		t.Run(string(tc.metric), func(t *testing.T) {
			rule := ruleFor(t, &cfg, string(tc.metric)).Rule
			d := &driver{t: t, e: NewEngine(cfg, Options{Interval: tick}), now: t0, set: tc.set}
			for range 3 {
				if s := d.feed(tc.good); len(s.Alerts) != 0 || len(s.AlertLog) != 0 {
					t.Fatalf("good value raised %+v", s.Alerts)
				}
			}

			// Warning: nothing until the window is over, then exactly this alert.
			warnStart := d.now
			var raisedAt time.Time
			for {
				at := d.now
				a := oneAlert(t, d.feed(tc.warn))
				held := at.Sub(warnStart) >= rule.WarningFor.D()
				if !held {
					if a != nil {
						t.Fatalf("raised %s after %s, before the %s window", a.Severity, at.Sub(warnStart), rule.WarningFor)
					}
					continue
				}
				want := snapshot.Alert{Severity: "warning", Metric: tc.metric, Value: tc.warn, Threshold: rule.Warning,
					Message: tc.warnMsg, Object: tc.object, Since: snapshot.Time{Time: at}, Peak: tc.warn}
				if a == nil || *a != want {
					t.Fatalf("after %s: alert %+v, want %+v", at.Sub(warnStart), a, want)
				}
				raisedAt = at
				break
			}

			// Hysteresis: back under the level but not under the clear level: still on.
			if !math.IsNaN(tc.hover) {
				for range 5 {
					a := oneAlert(t, d.feed(tc.hover))
					if a == nil || a.Severity != "warning" || a.Value != tc.hover || a.Peak != tc.warn {
						t.Fatalf("hovering at %v: %+v, want the warning kept", tc.hover, a)
					}
				}
			}

			// Critical: escalates after its window; the warning holds meanwhile.
			critStart := d.now
			var escalatedAt time.Time
			for {
				at := d.now
				a := oneAlert(t, d.feed(tc.crit))
				if at.Sub(critStart) < rule.CriticalFor.D() {
					if a == nil || a.Severity != "warning" {
						t.Fatalf("after %s at the critical level: %+v, want still a warning", at.Sub(critStart), a)
					}
					continue
				}
				want := snapshot.Alert{Severity: "critical", Metric: tc.metric, Value: tc.crit, Threshold: rule.Critical,
					Message: tc.critMsg, Object: tc.object, Since: snapshot.Time{Time: at}, Peak: tc.crit}
				if a == nil || *a != want {
					t.Fatalf("alert %+v, want %+v", a, want)
				}
				escalatedAt = at
				break
			}

			// Clear at once on a good value.
			clearedAt := d.now
			s := d.feed(tc.good)
			if len(s.Alerts) != 0 {
				t.Fatalf("good value kept %+v", s.Alerts)
			}
			warnPeak := tc.warn
			if rule.CriticalFor > 0 {
				warnPeak = tc.crit // the warning saw the critical values before escalating
			}
			wantLog := []snapshot.AlertLogEntry{
				{Severity: "critical", Metric: tc.metric, Object: tc.object, Message: tc.critMsg, Threshold: rule.Critical,
					Raised: snapshot.Time{Time: escalatedAt}, Cleared: &snapshot.Time{Time: clearedAt}, Peak: tc.crit,
					DurationSeconds: clearedAt.Sub(escalatedAt).Seconds()},
				{Severity: "warning", Metric: tc.metric, Object: tc.object, Message: tc.warnMsg, Threshold: rule.Warning,
					Raised: snapshot.Time{Time: raisedAt}, Cleared: &snapshot.Time{Time: escalatedAt}, Peak: warnPeak,
					DurationSeconds: escalatedAt.Sub(raisedAt).Seconds()},
			}
			if diff := logDiff(s.AlertLog, wantLog); diff != "" {
				t.Fatal(diff)
			}
		})
	}
}

// TestOscillationRaisesOnce feeds each rule's warning level ±0.5 for ten minutes after
// the warning was raised (and, for instant rules, from a cold start): one raise only.
func TestOscillationRaisesOnce(t *testing.T) {
	cfg := config.DefaultAlerts()
	for _, tc := range ruleCases {
		if tc.noOscillation {
			continue
		}
		t.Run(string(tc.metric), func(t *testing.T) {
			nr := ruleFor(t, &cfg, string(tc.metric))
			level := nr.Rule.Warning
			d := &driver{t: t, e: NewEngine(cfg, Options{Interval: tick}), now: t0, set: tc.set}
			if nr.Rule.WarningFor == 0 {
				for i := range 120 {
					d.feed(level + 0.5*float64(1-2*(i%2)))
				}
			} else {
				for d.now.Sub(t0) <= nr.Rule.WarningFor.D() {
					d.feed(tc.warn)
				}
			}
			var s *snapshot.Snapshot
			for i := range 120 {
				s = d.feed(level + 0.5*float64(1-2*(i%2)))
			}
			if len(s.AlertLog) != 1 || s.AlertLog[0].Cleared != nil || s.AlertLog[0].Severity != "warning" {
				t.Fatalf("log after oscillating around %v: %+v, want one ongoing warning", level, s.AlertLog)
			}
		})
	}
}

// TestCountHysteresis: container health is a count, so its hysteresis is only visible
// with a wide setting: with 50%, two unhealthy then one stays critical.
func TestCountHysteresis(t *testing.T) {
	for _, tc := range []struct {
		hyst float64
		want string
	}{{5, "warning"}, {50, "critical"}} {
		cfg := config.DefaultAlerts()
		cfg.Rules.ContainerHealth.HysteresisPercent = &tc.hyst
		d := &driver{t: t, e: NewEngine(cfg, Options{Interval: tick}), now: t0, set: ruleCases[13].set}
		d.feed(2)
		if a := oneAlert(t, d.feed(1)); a == nil || a.Severity != tc.want {
			t.Errorf("hysteresis %v%%: 2 then 1 unhealthy gives %+v, want %s", tc.hyst, a, tc.want)
		}
		if a := oneAlert(t, d.feed(0)); a != nil {
			t.Errorf("hysteresis %v%%: none unhealthy still gives %+v", tc.hyst, a)
		}
	}
}

func TestUnknownNeverRaises(t *testing.T) {
	cfg := config.DefaultAlerts()
	e := NewEngine(cfg, Options{Interval: tick})
	for i := range 200 {
		s := snapshot.New(t0.Add(time.Duration(i) * tick))                                                                      // every number unknown
		s.Databases.Redis = snapshot.Redis{Status: snapshot.StatusHealthy, MemoryUsedBytes: snapshot.I(3 << 20), HitRatio: nil} // idle Redis
		s.Containers = snapshot.Containers{{Name: "backend"}}                                                                   // not probed yet
		e.Process(s)
		if len(s.Alerts) != 0 || len(s.AlertLog) != 0 {
			t.Fatalf("unknown values raised %+v", s.Alerts)
		}
	}
}

func TestUnknownHoldsThenClears(t *testing.T) {
	cfg := config.DefaultAlerts()
	e := NewEngine(cfg, Options{Interval: tick})
	feed := func(at time.Duration, v *float64) *snapshot.Snapshot {
		s := calm(t0.Add(at))
		s.Databases.PostgreSQL.CacheHitRatio = v
		e.Process(s)
		return s
	}
	feed(0, snapshot.F(85))
	// Unknown for less than a minute: the alert stays with its last value.
	for at := tick; at < time.Minute; at += tick {
		if a := oneAlert(t, feed(at, nil)); a == nil || a.Value != 85 {
			t.Fatalf("at %s unknown: %+v, want the alert kept", at, a)
		}
	}
	s := feed(time.Minute, nil)
	if len(s.Alerts) != 0 {
		t.Fatalf("unknown for a minute: %+v, want cleared", s.Alerts)
	}
	if c := s.AlertLog[0].Cleared; c == nil || !c.Equal(t0.Add(time.Minute)) {
		t.Errorf("cleared = %v", c)
	}
	// A value back after unknown samples raises again (a new entry).
	feed(time.Minute+tick, snapshot.F(85))
	if s := feed(time.Minute+2*tick, snapshot.F(85)); len(s.AlertLog) != 2 || s.AlertLog[0].Cleared != nil {
		t.Errorf("log = %+v", s.AlertLog)
	}
}

// An unknown Redis hit ratio means there were no lookups: the alert clears at once
// (contract.md §5: never when the ratio is unknown), not after the usual hold.
func TestRedisHitRatioClearsWhenUnknown(t *testing.T) {
	e := NewEngine(config.DefaultAlerts(), Options{Interval: tick})
	s := calm(t0)
	s.Databases.Redis.HitRatio = snapshot.F(30)
	e.Process(s)
	if a := oneAlert(t, s); a == nil || a.Metric != "redis_hit_ratio" {
		t.Fatalf("alerts %+v", s.Alerts)
	}
	s = calm(t0.Add(tick))
	e.Process(s)
	if len(s.Alerts) != 0 || s.AlertLog[0].Cleared == nil || !s.AlertLog[0].Cleared.Equal(t0.Add(tick)) {
		t.Errorf("after an unknown ratio: alerts %+v, log %+v", s.Alerts, s.AlertLog[0])
	}
}

func TestGapsBreakSustainedRuns(t *testing.T) {
	cfg := config.DefaultAlerts() // host_cpu: 80 for 1 min
	e := NewEngine(cfg, Options{Interval: tick})
	feed := func(at time.Duration, v *float64) *snapshot.Snapshot {
		s := calm(t0.Add(at))
		s.Host.CPUPercent = v
		e.Process(s)
		return s
	}
	// 55 s over, one unknown sample, 55 s over: never a full minute of samples.
	var at time.Duration
	for ; at < 55*time.Second; at += tick {
		feed(at, snapshot.F(90))
	}
	feed(at, nil)
	at += tick
	for end := at + 55*time.Second; at < end; at += tick {
		if s := feed(at, snapshot.F(90)); len(s.Alerts) != 0 {
			t.Fatalf("raised at %s across an unknown sample", at)
		}
	}
	// A 10-minute pause (hsi-top suspended) also restarts the run.
	at += 10 * time.Minute
	for end := at + 55*time.Second; at < end; at += tick {
		if s := feed(at, snapshot.F(90)); len(s.Alerts) != 0 {
			t.Fatalf("raised at %s across a pause", at)
		}
	}
	if s := feed(at, snapshot.F(90)); len(s.Alerts) != 0 {
		t.Fatalf("raised after 55 s")
	}
	if s := feed(at+tick, snapshot.F(90)); len(s.Alerts) != 1 {
		t.Fatalf("a full minute over did not raise")
	}
}

func TestPerObjectAndOrdering(t *testing.T) {
	cfg := config.DefaultAlerts()
	e := NewEngine(cfg, Options{Interval: tick})
	s := calm(t0)
	s.GPUs = append(s.GPUs, snapshot.GPU{Name: "RTX", Index: 1, Temperature: snapshot.F(90), Utilization: snapshot.F(1)})
	s.GPU = &s.GPUs[0]
	s.GPUs[0].Temperature = snapshot.F(80)
	s.Host.Mounts[0].Percent = snapshot.F(85)
	s.Host.Mounts[1].Percent = snapshot.F(95)
	e.Process(s)
	got := make([]string, len(s.Alerts))
	for i, a := range s.Alerts {
		got[i] = fmt.Sprintf("%s %s %s %s", a.Severity, a.Metric, a.Object, a.Message)
	}
	want := []string{
		"critical gpu_temperature gpu1 GPU 1 temperature critical: 90°C",
		"critical host_disk /recordings Disk /recordings critical: 95.0%",
		"warning gpu_temperature gpu0 GPU 0 temperature high: 80°C",
		"warning host_disk / Disk / high: 85.0%",
	}
	if !slices.Equal(got, want) {
		t.Errorf("alerts:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// GPU 1 disappears: its alert is held as unknown, then cleared.
	for i := 1; i <= 13; i++ {
		s := calm(t0.Add(time.Duration(i) * tick))
		s.GPUs[0].Temperature = snapshot.F(80)
		e.Process(s)
		n := 0
		for _, a := range s.Alerts {
			if a.Object == "gpu1" {
				n++
			}
		}
		if wantN := map[bool]int{true: 1, false: 0}[i < 12]; n != wantN {
			t.Fatalf("tick %d: %d gpu1 alerts, want %d", i, n, wantN)
		}
	}
}

func TestDisabledRuleNeverFires(t *testing.T) {
	cfg := config.DefaultAlerts()
	cfg.Rules.GPUTemperature.Enabled = false
	e := NewEngine(cfg, Options{})
	s := calm(t0)
	s.GPUs[0].Temperature = snapshot.F(99)
	e.Process(s)
	if len(s.Alerts) != 0 {
		t.Errorf("disabled rule raised %+v", s.Alerts)
	}
}

func TestAlertJSONKeys(t *testing.T) {
	e := NewEngine(config.DefaultAlerts(), Options{})
	s := calm(t0)
	s.GPUs[0].Temperature = snapshot.F(82)
	e.Process(s)
	b, err := json.Marshal(s.Alerts)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"severity":"warning","metric":"gpu_temperature","value":82,"threshold":75,"message":"GPU temperature high: 82°C","object":"gpu0","since":"2026-03-01T12:00:00.000000Z","peak":82}]`
	if string(b) != want {
		t.Errorf("alerts JSON\n%s\nwant\n%s", b, want)
	}
}

func TestLogBounded(t *testing.T) {
	e := NewEngine(config.DefaultAlerts(), Options{})
	var s *snapshot.Snapshot
	for i := range 2 * LogSize {
		s = calm(t0.Add(time.Duration(i) * tick))
		if i%2 == 0 {
			s.GPUs[0].Temperature = snapshot.F(80) // raise, then clear on the next tick
		}
		e.Process(s)
	}
	if len(s.AlertLog) != LogSize {
		t.Fatalf("log has %d entries, want %d", len(s.AlertLog), LogSize)
	}
	if !s.AlertLog[0].Raised.Equal(t0.Add(time.Duration(2*LogSize-2) * tick)) {
		t.Errorf("newest entry raised %s", s.AlertLog[0].Raised)
	}
}

func TestLogSharedWhileUnchanged(t *testing.T) {
	e := NewEngine(config.DefaultAlerts(), Options{})
	a, b := calm(t0), calm(t0.Add(tick))
	a.GPUs[0].Temperature = snapshot.F(80)
	e.Process(a)
	e.Process(b) // clears
	c := calm(t0.Add(2 * tick))
	e.Process(c)
	if len(b.AlertLog) != 1 || &b.AlertLog[0] != &c.AlertLog[0] {
		t.Error("an unchanged log was copied instead of shared")
	}
	if a.AlertLog[0].Cleared != nil || b.AlertLog[0].Cleared == nil {
		t.Error("a published snapshot's log changed afterwards")
	}

	// An ongoing alert whose peak does not move does not copy the log either.
	d := calm(t0.Add(3 * tick))
	d.GPUs[0].Temperature = snapshot.F(80)
	e.Process(d)
	f := calm(t0.Add(4 * tick))
	f.GPUs[0].Temperature = snapshot.F(79)
	e.Process(f)
	if &d.AlertLog[0] != &f.AlertLog[0] {
		t.Error("an ongoing alert copied the log on every tick")
	}
	if got := f.AlertLog[0].Duration(f.Timestamp.Time); got != tick || f.AlertLog[0].DurationSeconds != 0 {
		t.Errorf("ongoing duration %s (field %v)", got, f.AlertLog[0].DurationSeconds)
	}
	// A new peak does not copy the log either (a climbing value would copy it every
	// tick): the active alert carries the live peak, the log the final one once cleared.
	g := calm(t0.Add(5 * tick))
	g.GPUs[0].Temperature = snapshot.F(81)
	e.Process(g)
	if &g.AlertLog[0] != &f.AlertLog[0] || len(g.Alerts) != 1 || g.Alerts[0].Peak != 81 {
		t.Errorf("new peak: log copied %v, alerts %+v", &g.AlertLog[0] != &f.AlertLog[0], g.Alerts)
	}
	h := calm(t0.Add(6 * tick))
	e.Process(h) // clears
	if h.AlertLog[0].Peak != 81 || h.AlertLog[0].Cleared == nil || f.AlertLog[0].Peak != 80 {
		t.Errorf("peaks: cleared entry %v, earlier snapshot %v; want 81 and 80 unchanged", h.AlertLog[0].Peak, f.AlertLog[0].Peak)
	}
}

func TestLogFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.jsonl")
	cfg := config.DefaultAlerts()
	cfg.LogFile = path
	e := NewEngine(cfg, Options{Interval: tick})
	d := &driver{t: t, e: e, now: t0, set: ruleCases[1].set}
	d.feed(80)
	d.feed(90)
	d.feed(60)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Err(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got = append(got, fmt.Sprintf("%s %s %s %v %v", line["event"], line["time"], line["severity"], line["value"], line["cleared"]))
	}
	want := []string{
		"raise 2026-03-01T12:00:00.000000Z warning 80 <nil>",
		"clear 2026-03-01T12:00:05.000000Z warning 90 2026-03-01T12:00:05.000000Z",
		"raise 2026-03-01T12:00:05.000000Z critical 90 <nil>",
		"clear 2026-03-01T12:00:10.000000Z critical 60 2026-03-01T12:00:10.000000Z",
	}
	if !slices.Equal(got, want) {
		t.Errorf("file lines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLogFileErrorDoesNotStopAlerting(t *testing.T) {
	cfg := config.DefaultAlerts()
	cfg.LogFile = filepath.Join(t.TempDir(), "missing-dir", "alerts.jsonl")
	e := NewEngine(cfg, Options{})
	s := calm(t0)
	s.GPUs[0].Temperature = snapshot.F(80)
	e.Process(s)
	if len(s.Alerts) != 1 {
		t.Fatal("alerting stopped on a file error")
	}
	if err := e.Close(); err != nil { // the writer has finished once Close returns
		t.Error(err)
	}
	err := e.Err()
	if err == nil || !strings.Contains(err.Error(), "alert log file") || !strings.Contains(err.Error(), "missing-dir") {
		t.Errorf("Err() = %v", err)
	}
}

// logDiff compares logs field by field and describes the first difference.
func logDiff(got, want []snapshot.AlertLogEntry) string {
	format := func(l []snapshot.AlertLogEntry) string {
		var b strings.Builder
		for _, e := range l {
			cleared := "ongoing"
			if e.Cleared != nil {
				cleared = e.Cleared.Format("15:04:05")
			}
			fmt.Fprintf(&b, "  %s-%s %s %s %q thr=%v peak=%v dur=%v %q\n", e.Raised.Format("15:04:05"), cleared,
				e.Severity, e.Metric, e.Object, e.Threshold, e.Peak, e.DurationSeconds, e.Message)
		}
		return b.String()
	}
	if g, w := format(got), format(want); g != w {
		return "log:\n" + g + "want:\n" + w
	}
	return ""
}

// BenchmarkProcess is one tick of all 14 rules with one alert active.
func BenchmarkProcess(b *testing.B) {
	e := NewEngine(config.DefaultAlerts(), Options{Interval: tick})
	snaps := make([]*snapshot.Snapshot, 64)
	for i := range snaps {
		snaps[i] = calm(t0)
		snaps[i].GPUs[0].Temperature = snapshot.F(80)
	}
	ts := t0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ts = ts.Add(tick)
		s := snaps[i%len(snaps)]
		s.Timestamp = snapshot.Time{Time: ts}
		e.Process(s)
	}
}

// BenchmarkProcessQuiet is one tick of all 14 rules with nothing wrong.
func BenchmarkProcessQuiet(b *testing.B) {
	e := NewEngine(config.DefaultAlerts(), Options{Interval: tick})
	s := calm(t0)
	ts := t0
	b.ReportAllocs()
	for b.Loop() {
		ts = ts.Add(tick)
		s.Timestamp = snapshot.Time{Time: ts}
		e.Process(s)
	}
}

func TestNaNIsUnknown(t *testing.T) {
	e := NewEngine(config.DefaultAlerts(), Options{Interval: tick})
	s := calm(t0)
	s.GPUs[0].Temperature = snapshot.F(80)
	e.Process(s)
	nan, inf := math.NaN(), math.Inf(1)
	for i, v := range []*float64{&nan, &inf} {
		s := calm(t0.Add(time.Duration(i+1) * tick))
		s.GPUs[0].Temperature = v
		s.Host.CPUPercent = v
		e.Process(s)
		if a := oneAlert(t, s); a == nil || a.Metric != "gpu_temperature" || a.Value != 80 {
			t.Fatalf("a non-finite sample changed the alerts: %+v", s.Alerts)
		}
	}
}
