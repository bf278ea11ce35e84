package tui

import (
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
)

func press(m *Model, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = m.Update(keyMsg(k))
	}
	return cmd
}

// chartRow returns the line of the frame that starts label's chart and the line below
// it (a tall chart's first row of bars).
func chartRow(t *testing.T, frame, label string) string {
	t.Helper()
	lines := strings.Split(frame, "\n")
	for i, l := range lines {
		if strings.Contains(l, "│ "+label+" ") && i+1 < len(lines) {
			return l + "\n" + lines[i+1]
		}
	}
	t.Fatalf("no %q chart in:\n%s", label, frame)
	return ""
}

// titleLine returns the frame's line that holds the panel's title.
func titleLine(frame, title string) string {
	for _, l := range strings.Split(frame, "\n") {
		if strings.Contains(l, "─ "+title+" ") {
			return l
		}
	}
	return ""
}

func TestRangeKeysChangeCharts(t *testing.T) {
	m, hist, _, _ := newTestModel(scHealthy, ticks, 200, 60)
	defer m.Close()
	f5 := m.View()
	if !strings.Contains(f5, "[5m]") || !strings.Contains(titleLine(f5, "GPU"), "· 5m") {
		t.Fatalf("start range is not 5m:\n%s", f5)
	}
	for _, tc := range []struct {
		key  string
		want Range
	}{{"3", Range60m}, {"2", Range15m}, {"1", Range5m}, {"t", Range15m}, {"tab", Range60m}, {"t", Range5m}} {
		before := m.View()
		reads := hist.reads
		press(m, tc.key)
		if m.Range() != tc.want {
			t.Fatalf("after %q: range %s, want %s", tc.key, m.Range(), tc.want)
		}
		after := m.View()
		if !strings.Contains(after, "["+tc.want.String()+"]") || !strings.Contains(titleLine(after, "GPU"), "· "+tc.want.String()+" ") {
			t.Errorf("after %q the header and titles do not show %s", tc.key, tc.want)
		}
		if chartRow(t, before, "util") == chartRow(t, after, "util") {
			t.Errorf("after %q the util chart did not change", tc.key)
		}
		if hist.reads == reads {
			t.Errorf("after %q the history was not read", tc.key)
		}
	}
	// 15 minutes of history: at 60m the chart's first 45 buckets are empty (left blank).
	press(m, "3")
	bars := strings.Split(chartRow(t, m.View(), "util"), "\n")[1]
	bars = strings.TrimSpace(strings.Trim(bars, "│ "))
	if n := len([]rune(bars)); n < 2 || n > 2*15 {
		t.Fatalf("15 minutes at 60m should draw the last 15 of 60 buckets, got %q", bars)
	}
}

func TestPauseFreezesScreenWhileHistoryGrows(t *testing.T) {
	m, hist, _, clk := newTestModel(scHealthy, 20, 200, 60)
	defer m.Close()
	press(m, "p")
	if !m.Paused() {
		t.Fatal("p did not pause")
	}
	frozen := m.View()
	if !strings.Contains(frozen, "❚❚ Paused") {
		t.Fatalf("header does not say paused:\n%s", frozen)
	}
	shown := m.Shown()
	samples := hist.samples()
	for i := 20; i < 40; i++ {
		s := build(scHealthy, i)
		hist.record(s)
		m.Update(SnapshotMsg{s})
	}
	if hist.samples() != samples+20 {
		t.Fatalf("history has %d samples, want %d", hist.samples(), samples+20)
	}
	if m.Shown() != shown {
		t.Fatal("a snapshot replaced the paused screen")
	}
	// Only the header clock may move; everything below it is frozen, resize included.
	body := func(f string) string { return f[strings.Index(f, "\n"):] }
	if body(m.View()) != body(frozen) {
		t.Fatal("the paused screen changed")
	}
	m.Update(sizeMsg(120, 40))
	m.Update(sizeMsg(200, 60))
	if body(m.View()) != body(frozen) {
		t.Fatal("the paused screen changed across a resize")
	}
	_ = clk
	press(m, " ")
	if m.Paused() {
		t.Fatal("space did not resume")
	}
	live := m.View()
	if !strings.Contains(live, "● Live") || m.Shown().Timestamp != build(scHealthy, 39).Timestamp {
		t.Fatal("resume did not jump to the newest snapshot")
	}
	if body(live) == body(frozen) {
		t.Fatal("the live screen did not change after resume")
	}
}

func TestHelpOpensAndCloses(t *testing.T) {
	for _, sz := range [][2]int{{200, 60}, {120, 40}, {80, 24}, {60, 15}} {
		m, _, _, _ := newTestModel(scHealthy, 5, sz[0], sz[1])
		press(m, "?")
		f := m.View()
		assertFits(t, f, sz[0], sz[1])
		if !strings.Contains(f, "next GPU") || !strings.Contains(f, "quit") || !strings.Contains(f, "close") {
			t.Fatalf("%v: help overlay lacks keys:\n%s", sz, f)
		}
		if strings.Contains(f, "RTX A5500") {
			t.Fatalf("%v: help did not replace the panels", sz)
		}
		press(m, "?")
		if f := m.View(); strings.Contains(f, "close") {
			t.Fatalf("%v: ? did not close the help", sz)
		}
		press(m, "?", "esc")
		if f := m.View(); strings.Contains(f, "close") {
			t.Fatalf("%v: esc did not close the help", sz)
		}
		m.Close()
	}
}

func TestQuit(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		m, _, eng, _ := newTestModel(scHealthy, 1, 120, 40)
		cmd := press(m, k)
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Fatalf("%s: command is not tea.Quit", k)
		}
		if !eng.cancelled {
			t.Fatalf("%s: the subscription was not cancelled", k)
		}
		m.Close() // idempotent
	}
}

func TestNextGPUCycles(t *testing.T) {
	m, _, _, _ := newTestModel(scTwoGPUs, 10, 200, 60)
	defer m.Close()
	f0 := m.View()
	if !strings.Contains(f0, "▸ 0 RTX A5500") || !strings.Contains(f0, "util0 99%") {
		t.Fatalf("GPU0 not selected at start:\n%s", f0)
	}
	press(m, "g")
	f := m.View()
	if !strings.Contains(f, "▸ 1 RTX A2000") || !strings.Contains(f, "util1 ") {
		t.Fatalf("g did not select GPU1:\n%s", f)
	}
	if len(strings.Split(f, "\n")) != len(strings.Split(f0, "\n")) || lineOf(f, "─ AI Models") != lineOf(f0, "─ AI Models") {
		t.Fatal("g changed the layout's height")
	}
	press(m, "g")
	if !strings.Contains(m.View(), "▸ 0 RTX A5500") {
		t.Fatal("g did not wrap to GPU0")
	}
}

// TestScrolling scrolls the alert log, a detail view longer than the screen; the
// dashboard itself never scrolls.
func TestScrolling(t *testing.T) {
	m, _, _, _ := newTestModel(scHealthy, 10, 120, 40)
	defer m.Close()
	s := build(scAlerts, 10)
	for i := 0; i < 40; i++ {
		raised := t0.Add(-time.Duration(i+2) * time.Hour)
		s.AlertLog = append(s.AlertLog, snapshot.AlertLogEntry{Severity: snapshot.SeverityWarning, Metric: "host_cpu",
			Message: "CPU high: entry " + strconv.Itoa(i), Threshold: 80, Peak: 90, Raised: snapshot.Time{Time: raised}, Cleared: snapshot.At(raised.Add(time.Minute))})
	}
	m.Update(SnapshotMsg{s})
	press(m, "down")
	if !strings.Contains(m.View(), "─ GPU ") {
		t.Fatal("the dashboard scrolled")
	}
	press(m, "a")
	top := m.View()
	if !strings.Contains(top, "Active alerts (10)") || !strings.Contains(top, "entry 0 ") || strings.Contains(top, "entry 39") {
		t.Fatalf("unexpected first screen of the log:\n%s", top)
	}
	press(m, "end")
	if f := m.View(); !strings.Contains(f, "entry 39") || strings.Contains(f, "Active alerts") {
		t.Fatalf("end did not reach the bottom:\n%s", f)
	}
	press(m, "home")
	if !strings.Contains(m.View(), "Active alerts") {
		t.Fatal("home did not return to the top")
	}
	press(m, "pgdown")
	if strings.Contains(m.View(), "Active alerts") {
		t.Fatal("pgdown did not move a page")
	}
	press(m, "pgup", "esc")
	if f := m.View(); !strings.Contains(f, "─ GPU ") {
		t.Fatal("esc did not close the log")
	}
}

func TestRefreshAsksEngine(t *testing.T) {
	m, _, eng, _ := newTestModel(scHealthy, 1, 120, 40)
	defer m.Close()
	press(m, "r")
	if eng.collects != 1 {
		t.Fatalf("CollectNow called %d times, want 1", eng.collects)
	}
}

func TestSnapshotSubscription(t *testing.T) {
	eng := newFakeEngine()
	m := New(Options{Engine: eng, Renderer: asciiRenderer()})
	cmd := m.waitSnapshot()
	s := build(scHealthy, 0)
	eng.ch <- s
	msg := cmd()
	if sm, ok := msg.(SnapshotMsg); !ok || sm.Snapshot != s {
		t.Fatalf("got %#v, want the published snapshot", msg)
	}
	m.Update(msg)
	if m.Shown() != s {
		t.Fatal("the snapshot message was not shown")
	}
	// After Close, a waiting command returns instead of blocking forever.
	cmd = m.waitSnapshot()
	m.Close()
	if msg := cmd(); msg != nil {
		t.Fatalf("got %#v after Close", msg)
	}
}

func TestResizeStorm(t *testing.T) {
	m, _, _, _ := newTestModel(scAlerts, 30, 120, 40)
	defer m.Close()
	rnd := rand.New(rand.NewSource(1))
	sizes := [][2]int{{0, 0}, {1, 1}, {0, 40}, {120, 0}, {39, 9}, {40, 10}, {79, 23}, {80, 24}, {159, 60}, {160, 24}, {1000, 500}, {4, 3}, {-1, -5}}
	for i := 0; i < 400; i++ {
		sizes = append(sizes, [2]int{rnd.Intn(260), rnd.Intn(90)})
	}
	for i, sz := range sizes {
		m.Update(sizeMsg(sz[0], sz[1]))
		if i%7 == 0 {
			press(m, "?")
		}
		if i%11 == 0 {
			press(m, "end")
		}
		if i%13 == 0 {
			m.Update(SnapshotMsg{build(scAlerts, 30+i)})
		}
		f := m.View()
		w, h := max(sz[0], 0), max(sz[1], 0)
		if w == 0 || h == 0 {
			if f != "" {
				t.Fatalf("%dx%d: drew %q", w, h, f)
			}
			continue
		}
		assertFits(t, f, w, h)
	}
}

func TestNoColorHasNoEscapes(t *testing.T) {
	m := New(Options{Engine: newFakeEngine(), Renderer: asciiRenderer(), NoColor: true})
	defer m.Close()
	m.Update(sizeMsg(200, 60))
	m.Update(SnapshotMsg{build(scAlerts3, 3)})
	if f := m.View(); strings.Contains(f, "\x1b") || !strings.Contains(f, "✖ CRIT") || !strings.Contains(f, "▲ WARN") {
		t.Fatalf("NO_COLOR frame has escapes or lacks glyph labels:\n%q", f[:200])
	}
}

func TestColourProfileDrawsColour(t *testing.T) {
	m := New(Options{Engine: newFakeEngine(), Renderer: trueColorRenderer()})
	defer m.Close()
	m.Update(sizeMsg(200, 60))
	m.Update(SnapshotMsg{build(scAlerts, 3)})
	f := m.View()
	if !strings.Contains(f, "\x1b[") {
		t.Fatal("a colour profile drew no escapes")
	}
	assertFits(t, f, 200, 60)
	if plain := ansi.Strip(f); !strings.Contains(plain, "✖ CRIT  Redis memory critical") {
		t.Fatal("colour changed the text")
	}
}

func TestStalePanelSaysSo(t *testing.T) {
	s := build(scHealthy, 5)
	for i := range s.Sources {
		if s.Sources[i].Source == "host" {
			s.Sources[i].OK, s.Sources[i].Error, s.Sources[i].AgeSeconds = false, "host: read /proc/stat: timeout", snapshot.F(41)
		}
	}
	m := New(Options{Engine: newFakeEngine(), Renderer: asciiRenderer()})
	defer m.Close()
	m.Update(sizeMsg(200, 60))
	m.Update(SnapshotMsg{s})
	if f := m.View(); !strings.Contains(f, "Host stale 41s: timeout") {
		t.Fatalf("stale host panel not marked:\n%s", f)
	}
}

// TestWithHistoryStore draws charts from the real history store fed by the snapshots.
func TestWithHistoryStore(t *testing.T) {
	store := history.NewStore()
	m := New(Options{Engine: newFakeEngine(), History: store, Renderer: asciiRenderer(), Location: time.UTC})
	defer m.Close()
	m.Update(sizeMsg(200, 60))
	for i := 0; i < 40; i++ {
		s := build(scHealthy, i)
		store.Process(s)
		m.Update(SnapshotMsg{s})
	}
	row := chartRow(t, m.View(), "util")
	if !strings.ContainsAny(row, "▁▂▃▄▅▆▇█") || !strings.Contains(row, "peak ") {
		t.Fatalf("no chart from the history store: %q", row)
	}
}

// With room for one banner line and several alerts, that line is the worst alert with
// the count of the rest, never only "+N more".
func TestOneBannerLineShowsTheWorstAlert(t *testing.T) {
	m, _, _, _ := newTestModel(scAlerts, 180, 70, 11)
	frame := m.View()
	assertFits(t, frame, 70, 11)
	first := strings.SplitN(frame, "\n", 3)[1]
	if !strings.Contains(first, "CRIT") || !strings.Contains(first, "more") {
		t.Errorf("banner line = %q, want the worst alert and the count of the rest\n%s", first, frame)
	}
}

// A panel filled by NVML says so even when Prometheus, the next source of its chain, is
// not there; a missing Prometheus is no news for the GPU or Inference panels.
func TestPanelNoteNamesTheSourceThatFilledIt(t *testing.T) {
	m, _, _, _ := newTestModel(scHealthy, 3, 120, 200)
	s := build(scHealthy, 3)
	for i := range s.Sources {
		if s.Sources[i].Source == "prometheus" {
			s.Sources[i].OK, s.Sources[i].Error, s.Sources[i].AgeSeconds = false, "connection refused", nil
		}
	}
	m.Update(SnapshotMsg{s})
	frame := m.View()
	gpuTitle := titleLine(frame, "GPU")
	if !strings.Contains(gpuTitle, "via NVML") || strings.Contains(frame, "prometheus no data") && strings.Contains(gpuTitle, "prometheus") {
		t.Errorf("GPU title = %q", gpuTitle)
	}
	for _, l := range strings.Split(frame, "\n") {
		if strings.Contains(l, "─ Inference ") && strings.Contains(strings.ToLower(l), "prometheus") {
			t.Errorf("Inference title blames Prometheus while others answer: %q", l)
		}
	}
}

// lineOf is the number of the frame's first line holding sub, or -1.
func lineOf(frame, sub string) int {
	for i, l := range strings.Split(frame, "\n") {
		if strings.Contains(l, sub) {
			return i
		}
	}
	return -1
}

// The frame is drawn into a buffer reused from frame to frame; a view already taken as a
// string is not changed by the next frame.
func TestFrameReusesItsBufferAndViewsStay(t *testing.T) {
	m, _, _, _ := newTestModel(scHealthy, 60, 120, 40)
	defer m.Close()
	first := m.View()
	kept := strings.Clone(first)
	if f := m.Frame(); string(f) != first {
		t.Fatalf("Frame and View differ:\n%s\n---\n%s", f, first)
	}
	f := m.Frame()
	before, room := &f[0], cap(f)
	m.Update(SnapshotMsg{build(scAlerts, 61)})
	second := m.Frame()
	if string(second) == kept {
		t.Fatal("a snapshot with ten alerts drew the same frame")
	}
	if len(second) <= room && &second[0] != before {
		t.Error("the next frame was drawn into new storage, not the reused buffer")
	}
	if first != kept {
		t.Error("the next frame changed the view taken before it")
	}
	if v := m.View(); v != string(second) {
		t.Errorf("View after the snapshot is not its frame:\n%s", v)
	}
}
