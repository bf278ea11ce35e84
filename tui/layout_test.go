package tui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
)

// panelTitles are the full view's panels; each title is followed by its state's glyph
// and word.
var panelTitles = []string{"GPU", "AI Models", "Inference", "Databases", "Host", "Containers"}

var stateAfterTitle = `[✔●?▲✖] (healthy|starting|unknown|warning|critical|unreachable|stale \d+\w*|driver not found|\d+/\d+ healthy|loading)`

// TestFirstScreenHasEveryPanel: at 120×40 (1 GPU, 8 workers, 6 services, 3 alerts, and
// every other scenario) and at 80×24, every panel's title and state, the overall state,
// the workers and the three alerts are on the first screen, without scrolling.
func TestFirstScreenHasEveryPanel(t *testing.T) {
	for sc := range scenario(len(scenarioNames)) {
		for _, sz := range [][2]int{{120, 40}, {80, 24}} {
			t.Run(fmt.Sprintf("%s_%dx%d", sc, sz[0], sz[1]), func(t *testing.T) {
				m, _, _, _ := newTestModel(sc, ticks, sz[0], sz[1])
				defer m.Close()
				f := m.View()
				assertFits(t, f, sz[0], sz[1])
				for _, title := range panelTitles {
					re := regexp.MustCompile(`─ ` + regexp.QuoteMeta(title) + ` ` + stateAfterTitle)
					if !re.MatchString(f) {
						t.Errorf("panel %q with its state is not on the first screen:\n%s", title, f)
					}
				}
				if !regexp.MustCompile(`(HEALTHY|WARNING|CRITICAL|DEGRADED|UNREACHABLE)`).MatchString(strings.SplitN(f, "\n", 2)[0]) {
					t.Errorf("the header has no overall state: %q", strings.SplitN(f, "\n", 2)[0])
				}
				if !strings.Contains(f, "workers") {
					t.Error("the workers are not on the first screen")
				}
				if sc == scAlerts3 && sz[0] == 120 && strings.Count(f, "CRIT  ")+strings.Count(f, "WARN  ") != 3 {
					t.Errorf("the three alerts are not all on screen:\n%s", f)
				}
			})
		}
	}
}

// TestSpareRowsGoToCharts: at 80×24, where panels show their charts only as room allows,
// no row above the footer is left blank while a panel with data has a chart to show in
// it (a stack where nothing answers has none).
func TestSpareRowsGoToCharts(t *testing.T) {
	for sc := range scenario(len(scenarioNames)) {
		if sc == scUnreachable {
			continue
		}
		t.Run(sc.String(), func(t *testing.T) {
			m, _, _, _ := newTestModel(sc, ticks, 80, 24)
			defer m.Close()
			lines := strings.Split(m.View(), "\n")
			for i, l := range lines[:len(lines)-2] { // the footer's two lines
				if strings.TrimSpace(l) == "" {
					t.Fatalf("line %d is blank:\n%s", i+1, strings.Join(lines, "\n"))
				}
			}
		})
	}
}

// TestHelpAndQuitAlwaysVisible: `? help` and `q quit` are on screen at every size down
// to 60 columns, whatever the scenario.
func TestHelpAndQuitAlwaysVisible(t *testing.T) {
	for sc := range scenario(len(scenarioNames)) {
		m, _, _, _ := newTestModel(sc, 20, 200, 60)
		for w := 60; w <= 200; w += 7 {
			for _, h := range []int{10, 20, 24, 33, 40, 48, 60} {
				m.Update(sizeMsg(w, h))
				f := m.View()
				assertFits(t, f, w, h)
				if !strings.Contains(f, "? help") || !strings.Contains(f, "q quit") {
					t.Fatalf("%s %dx%d: ? help or q quit is missing:\n%s", sc, w, h, f)
				}
			}
		}
		m.Close()
	}
}

// TestEveryWidthFits: the dashboard's lines are drawn to the screen's width without a
// final cut, so at every width (not only the golden sizes) no line may be wider.
func TestEveryWidthFits(t *testing.T) {
	for _, sc := range []scenario{scAlerts, scUnreachable, scTwoGPUs} {
		m, _, _, _ := newTestModel(sc, 60, 200, 60)
		for w := 40; w <= 260; w++ {
			for _, h := range []int{24, 60} {
				m.Update(sizeMsg(w, h))
				f := m.View()
				assertFits(t, f, w, h)
				// A panel line is written unmeasured beside its neighbours: each must
				// be exactly its column's width, or the next column would shift.
				for i, l := range strings.Split(ansi.Strip(f), "\n") {
					if strings.ContainsAny(l[:min(len(l), 3)], "╭│╰") && ansi.StringWidth(l) != w {
						t.Fatalf("%s %dx%d: line %d is %d cells: %q", sc, w, h, i, ansi.StringWidth(l), l)
					}
				}
			}
		}
		m.Close()
	}
}

// TestSpikesShowAtEveryRange: 5 s at 100 % every 120 s for an hour of simulated time,
// 10 % otherwise; the 5m, 15m and 60m charts each show every burst of their span at
// full height, one bucket a column and merged two to a column.
func TestSpikesShowAtEveryRange(t *testing.T) {
	store := history.NewStore()
	start := time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC)
	var bursts []time.Time
	for i := 0; i < 720; i++ {
		ts := start.Add(time.Duration(i) * 5 * time.Second)
		s := snapshot.New(ts)
		cpu := 10.0
		if i%24 == 0 {
			cpu = 100
			bursts = append(bursts, ts)
		}
		s.Host.CPUPercent = snapshot.F(cpu)
		store.Process(s)
	}
	st := newStyles(asciiRenderer())
	for _, r := range history.Ranges {
		pts := store.Series(history.KeyHostCPU, r)
		end := pts[len(pts)-1].Start.Add(r.Resolution())
		want := 0
		for _, b := range bursts {
			if !b.Before(pts[0].Start) && b.Before(end) {
				want++
			}
		}
		if want < 2 {
			t.Fatalf("%s: only %d bursts in the span", r, want)
		}
		for _, w := range []int{60, 30} {
			v := &view{series: store, rng: r, st: st, th: defaultThresholds()}
			chart := v.chartCell(chartSpec{label: "cpu", key: history.KeyHostCPU, scale: fixedScale(100), unit: "%"}, w, 4)
			top := chart[1] // the top row of bars: only full-height columns reach it
			if got := strings.Count(top, "█"); got != want {
				t.Errorf("%s at %d columns: %d bursts at full height, want %d\n%s", r, w, got, want, strings.Join(chart, "\n"))
			}
			if w == 30 && !strings.Contains(chart[0], r.String()+" · "+spanText(2*r.Resolution())) {
				t.Errorf("%s merged: caption %q does not say the column's time", r, chart[0])
			}
		}
	}
}

func spanText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
	return fmt.Sprintf("%ds", int(d/time.Second))
}

// TestSteadyValueIsNotAFullBar: an automatic scale has a floor and a steady value draws
// a steady, partial line; a percentage is on 0–100 %.
func TestSteadyValueIsNotAFullBar(t *testing.T) {
	pts := make([]Point, 60)
	for i := range pts {
		pts[i] = Point{Count: 1, Min: 51, Max: 51, Avg: 51}
	}
	d := prepareChart(pts, fixedScale(100), 60)
	if d.top != 100 || d.eighths(0, 1) != 4 {
		t.Fatalf("51%% on 0–100%%: top %v, %d eighths", d.top, d.eighths(0, 1))
	}
	d = prepareChart(pts, autoScale(100), 60)
	if d.top != 100 {
		t.Fatalf("auto scale floor not kept: top %v", d.top)
	}
	for i := range pts {
		pts[i].Max = 4800
	}
	d = prepareChart(pts, autoScale(1000), 60)
	if d.top != 5000 || d.eighths(0, 8) == 64 {
		t.Fatalf("4,800 ms: top %v, %d of 64 eighths", d.top, d.eighths(0, 8))
	}
}

// TestHelpFits80x24: the help overlay shows whole at 80×24, no line cut.
func TestHelpFits80x24(t *testing.T) {
	m, _, _, _ := newTestModel(scHealthy, 5, 80, 24)
	defer m.Close()
	press(m, "?")
	f := m.View()
	assertFits(t, f, 80, 24)
	body := f[strings.Index(f, "╭─ Help"):strings.LastIndex(f, "╯")]
	if strings.Contains(body, "…") {
		t.Fatalf("the help cuts its text at 80×24:\n%s", f)
	}
	for _, want := range []string{"1 2 3", "next GPU", "collect now", "alert log", "quit", "States", "unknown, never 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("help lacks %q:\n%s", want, f)
		}
	}
}

// TestRefreshSaysCollecting: r shows "collecting…" until the next snapshot arrives.
func TestRefreshSaysCollecting(t *testing.T) {
	m, _, _, _ := newTestModel(scHealthy, 5, 120, 40)
	defer m.Close()
	press(m, "r")
	if !strings.Contains(m.View(), "collecting…") {
		t.Fatal("r does not say collecting…")
	}
	m.Update(SnapshotMsg{build(scHealthy, 6)})
	if strings.Contains(m.View(), "collecting…") {
		t.Fatal("collecting… stays after the snapshot arrived")
	}
}

// TestAlertLogShowsUnitsAndCleared: a lists the active alerts with value, peak and
// threshold in their units, and the cleared ones with start, end and duration.
func TestAlertLogShowsUnitsAndCleared(t *testing.T) {
	m, _, _, _ := newTestModel(scAlerts, 30, 200, 60)
	defer m.Close()
	press(m, "a")
	f := m.View()
	for _, want := range []string{"Active alerts (10)", "threshold 10,000 ms", "peak 14,100 ms", "threshold 500 MB", "threshold 75°C",
		"Cleared (1)", "21:45:00–21:49:00 (4m 0s)", "threshold 200 ms"} {
		if !strings.Contains(f, want) {
			t.Errorf("alert log lacks %q:\n%s", want, f)
		}
	}
}

// TestContainerStripFollowsTheRange: the strip has one state per bucket of the selected
// range, from the history's snapshots, and keeping it up to date snapshot by snapshot
// gives the same strip as reading it again.
func TestContainerStripFollowsTheRange(t *testing.T) {
	store := history.NewStore()
	m := New(Options{Engine: newFakeEngine(), History: store, Renderer: asciiRenderer()})
	defer m.Close()
	m.Update(sizeMsg(120, 40))
	states := []string{snapshot.HealthHealthy, snapshot.HealthStarting, snapshot.HealthUnhealthy, snapshot.StatusUnreachable}
	for i := 0; i < 400; i++ {
		s := build(scHealthy, i)
		s.Containers[0].State = states[(i/9)%len(states)]
		store.Process(s)
		m.Update(SnapshotMsg{s})
		if i == 250 {
			press(m, "2")
		}
		got := append([]string(nil), m.timelineFor("backend")...)
		m.timelines = nil
		want := m.timelineFor("backend")
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("tick %d: kept strip\n%v\nread again\n%v", i, got, want)
		}
	}
	// 400 ticks of 5 s at 15m: all 60 buckets of 15 s known, each the latest state in it.
	tl := m.timelineFor("backend")
	for i, st := range tl {
		if st == "" {
			t.Fatalf("15m bucket %d is empty after 33 minutes", i)
		}
	}
	if !strings.Contains(m.View(), "-15m") {
		t.Error("the strip's time scale does not say -15m")
	}
}

// TestHelpListsTheWrappersKeys: keys a wrapping model handles (replay's seeking, the
// live dashboard's incident bundle) are in the help, which still fits 80×24 uncut.
func TestHelpListsTheWrappersKeys(t *testing.T) {
	eng, hist := newFakeEngine(), newFakeHistory()
	m := New(Options{Engine: eng, History: hist, Renderer: asciiRenderer(), Clock: clock.NewFake(t0), Location: time.UTC,
		MoreKeys: []HelpKey{{"← →", "seek 1 minute"}, {"[ ]", "seek 10 minutes"}, {"i", "incident bundle (last hour)"}}})
	defer m.Close()
	m.Update(sizeMsg(80, 24))
	m.Update(SnapshotMsg{build(scHealthy, 0)})
	press(m, "?")
	f := m.View()
	assertFits(t, f, 80, 24)
	body := f[strings.Index(f, "╭─ Help"):strings.LastIndex(f, "╯")]
	for _, want := range []string{"seek 1 minute", "seek 10 minutes", "incident bundle (last hour)", "quit", "unknown, never 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("help lacks %q:\n%s", want, f)
		}
	}
	if strings.Contains(body, "…") {
		t.Fatalf("the help cuts its text at 80×24:\n%s", f)
	}
}
