// Package tui is hsi-top's terminal dashboard: a Bubble Tea root model that handles the
// global keys and the terminal size and delegates to one small sub-model per panel.
// Panels cache their drawn strings and redraw only on a new snapshot, a resize or a key
// that changes them. The UI goroutine never does I/O: snapshots arrive as messages from
// the collector engine, and chart data is read from the in-memory history.
package tui

import (
	"bytes"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/snapshot"
)

// Engine is what the UI needs from the collector (*collector.Engine satisfies it).
type Engine interface {
	Subscribe() (<-chan *snapshot.Snapshot, func())
	CollectNow()
	Interval() time.Duration
	Latest() *snapshot.Snapshot
}

// Options configure the dashboard.
type Options struct {
	Engine  Engine
	History SeriesReader
	// Renderer draws the styles; lipgloss's default renderer when nil.
	Renderer *lipgloss.Renderer
	// NoColor removes every colour escape (NO_COLOR, --no-color, ui.no_color).
	NoColor bool
	// Clock gives the header's time; clock.Real{} when nil.
	Clock clock.Clock
	// Location is the header clock's time zone; time.Local when nil.
	Location *time.Location
	// Range is the chart range shown at start.
	Range Range
	// Thresholds are the alert rules' levels that colour values; the default rules' when nil.
	Thresholds Thresholds
	// Demo labels the header DEMO (hsi-top demo's simulated stack).
	Demo bool
	// Silence, when set, lets the alert log's keys snooze (s), acknowledge (A) or
	// unsnooze (u) the selected alert (↑/↓); it runs off the UI goroutine.
	Silence func(SilenceRequest) error
	// Badge, when set, labels the header with what it returns ("REPLAY ×60",
	// "remote · stale 12s"); it is read each time the header is drawn (each snapshot).
	Badge func() string
	// MoreKeys are keys a wrapping model handles (the live dashboard's incident bundle,
	// replay's seeking), listed in the help with the dashboard's own.
	MoreKeys []HelpKey
}

// HelpKey is one line of the help: the key as typed and what it does.
type HelpKey struct{ Key, Does string }

// SnapshotMsg delivers a published snapshot to the model.
type SnapshotMsg struct{ Snapshot *snapshot.Snapshot }

// Layout modes, by terminal size.
type mode int

const (
	modeTiny    mode = iota // below 40×10: one summary line
	modeCompact             // below 80×24: one line per panel
	modeFull                // every panel on one screen, charts sized to the room left
)

func modeFor(w, h int) mode {
	switch {
	case w < 40 || h < 10:
		return modeTiny
	case w < 80 || h < 24:
		return modeCompact
	}
	return modeFull
}

// Model is the root model.
type Model struct {
	opts   Options
	st     *Styles
	keys   keyMap
	help   help.Model
	clock  clock.Clock
	loc    *time.Location
	every  time.Duration
	sub    <-chan *snapshot.Snapshot
	cancel func()
	done   chan struct{}

	w, h     int
	rng      Range
	gpu      int
	paused   bool
	showHelp bool
	showLog  bool
	// logSel is the alert selected in the log (of its sorted active alerts), snoozeStep
	// the next of snoozeSteps for it, logNote the last request's outcome.
	logSel     int
	snoozeStep int
	logNote    string
	// collecting is set by r until the next snapshot arrives.
	collecting bool

	latest *snapshot.Snapshot // newest from the engine
	shown  *snapshot.Snapshot // on screen (frozen while paused)
	now    time.Time

	// series caches the chart data of the shown snapshot and range, so a frozen screen
	// redraws the same charts after a resize and each key is read once per snapshot.
	// An entry older than seriesGen is stale; its buffer is refilled in place when the
	// history can append (nothing keeps a series past the frame that drew it).
	series    map[string]*seriesEntry
	seriesGen uint64
	// timelines caches the container strips of the range, one state per bucket, the
	// last bucket ending at tlEnd; tlSeen is the snapshot they include.
	timelines map[string][]string
	tlEnd     time.Time
	tlSeen    *snapshot.Snapshot

	th     Thresholds
	panels [numPanels]panel
	vp     viewport.Model

	bodyValid bool       // body or dash holds the current content
	body      []string   // the help's or the alert log's lines, for the viewport's window
	dash      []panelRow // the dashboard's rows, when it is on screen (body is then unused)
	header    string
	headerOK  bool
	footer    string
	footerOK  bool
	// frame is the screen as last drawn, in a buffer reused from frame to frame; view is
	// it as a string once View asked for one.
	frame   bytes.Buffer
	frameOK bool
	view    string
	viewOK  bool
}

// New returns the dashboard model. It subscribes to the engine at once so no snapshot
// published before the program starts is lost; Close ends the subscription.
func New(o Options) *Model {
	r := o.Renderer
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	if o.NoColor {
		r.SetColorProfile(termenv.Ascii)
	}
	m := &Model{
		opts:   o,
		st:     newStyles(r),
		keys:   defaultKeys(),
		help:   help.New(),
		clock:  o.Clock,
		loc:    o.Location,
		rng:    o.Range,
		done:   make(chan struct{}),
		series: map[string]*seriesEntry{},
		th:     o.Thresholds,
		vp:     viewport.New(0, 0),
	}
	m.help.Styles.ShortKey = m.st.Key.Style
	m.help.Styles.FullKey = m.st.Key.Style
	m.help.Styles.ShortDesc = m.st.Help.Style
	m.help.Styles.FullDesc = m.st.Help.Style
	m.help.Styles.ShortSeparator = m.st.Muted.Style
	m.help.Styles.FullSeparator = m.st.Muted.Style
	m.help.Styles.Ellipsis = m.st.Muted.Style
	if m.clock == nil {
		m.clock = clock.Real{}
	}
	if m.th == nil {
		m.th = defaultThresholds()
	}
	if m.loc == nil {
		m.loc = time.Local
	}
	m.vp.KeyMap = viewport.KeyMap{} // the root model owns the keys
	for i := range m.panels {
		m.panels[i].kind = panelKind(i)
	}
	m.now = m.clock.Now()
	if o.Engine != nil {
		m.every = o.Engine.Interval()
		m.sub, m.cancel = o.Engine.Subscribe()
		if s := o.Engine.Latest(); s != nil {
			m.latest, m.shown = s, s
		}
	}
	return m
}

// Close ends the engine subscription and releases the goroutine waiting on it.
func (m *Model) Close() {
	select {
	case <-m.done:
		return
	default:
	}
	close(m.done)
	if m.cancel != nil {
		m.cancel()
	}
}

// Init starts waiting for snapshots. Nothing else wakes the model: the screen changes
// only on a snapshot, a key or a resize (the header's time is the last snapshot's
// arrival, not a ticking clock).
func (m *Model) Init() tea.Cmd { return m.waitSnapshot() }

func (m *Model) waitSnapshot() tea.Cmd {
	if m.sub == nil {
		return nil
	}
	sub, done := m.sub, m.done
	return func() tea.Msg {
		select {
		case s := <-sub:
			return SnapshotMsg{s}
		case <-done:
			return nil
		}
	}
}

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case SnapshotMsg:
		m.onSnapshot(msg.Snapshot)
		return m, m.waitSnapshot()
	case tea.WindowSizeMsg:
		m.setSize(msg.Width, msg.Height)
		return m, nil
	case tea.KeyMsg:
		return m, m.onKey(msg)
	case silenceDoneMsg:
		m.onSilenceDone(msg)
	}
	return m, nil
}

// onSnapshot takes a new snapshot; while paused it is kept for the resume but not shown.
func (m *Model) onSnapshot(s *snapshot.Snapshot) {
	if s == nil {
		return
	}
	m.latest = s
	m.now = m.clock.Now()
	m.headerOK, m.frameOK = false, false
	if m.paused {
		return
	}
	m.show(s)
}

// show puts s on screen: every panel redraws from it.
func (m *Model) show(s *snapshot.Snapshot) {
	m.shown = s
	m.collecting = false
	m.seriesGen++
	m.invalidate(func(panelDef) bool { return true })
	m.headerOK, m.footerOK = false, false
}

func (m *Model) invalidate(which func(panelDef) bool) {
	for i := range m.panels {
		if which(panelDefs[i]) {
			m.panels[i].invalidate()
		}
	}
	m.bodyValid, m.frameOK = false, false
}

func (m *Model) onKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		m.Close()
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp, m.showLog = !m.showHelp, false
		m.vp.GotoTop()
		m.bodyValid, m.frameOK = false, false
	case key.Matches(msg, k.Alerts):
		m.showLog, m.showHelp = !m.showLog, false
		m.vp.GotoTop()
		m.bodyValid, m.frameOK = false, false
	case (m.showHelp || m.showLog) && msg.Type == tea.KeyEsc:
		m.showHelp, m.showLog = false, false
		m.bodyValid, m.frameOK = false, false
	case key.Matches(msg, k.Range5m):
		m.setRange(Range5m)
	case key.Matches(msg, k.Range15m):
		m.setRange(Range15m)
	case key.Matches(msg, k.Range60m):
		m.setRange(Range60m)
	case key.Matches(msg, k.CycleRange):
		m.setRange((m.rng + 1) % 3)
	case key.Matches(msg, k.Pause):
		m.paused = !m.paused
		if !m.paused && m.latest != nil && m.latest != m.shown {
			m.show(m.latest) // resume jumps to live
		}
		m.headerOK, m.frameOK = false, false
	case key.Matches(msg, k.NextGPU):
		m.gpu++
		m.seriesGen++
		m.invalidate(func(d panelDef) bool { return d.gpuAware })
	case key.Matches(msg, k.Refresh):
		if m.opts.Engine != nil {
			m.opts.Engine.CollectNow() // a non-blocking signal to the engine goroutine
			m.collecting = true
			m.headerOK, m.frameOK = false, false
		}
	case m.showLog && m.silencing() && key.Matches(msg, k.Up):
		m.moveSelection(-1)
	case m.showLog && m.silencing() && key.Matches(msg, k.Down):
		m.moveSelection(1)
	case m.showLog && m.silencing() && key.Matches(msg, k.Snooze, k.Ack, k.Unsnooze):
		return m.onSilenceKey(msg)
	case key.Matches(msg, k.Up):
		m.scroll(func() { m.vp.ScrollUp(1) })
	case key.Matches(msg, k.Down):
		m.scroll(func() { m.vp.ScrollDown(1) })
	case key.Matches(msg, k.PageUp):
		m.scroll(func() { m.vp.PageUp() })
	case key.Matches(msg, k.PageDown):
		m.scroll(func() { m.vp.PageDown() })
	case key.Matches(msg, k.Home):
		m.scroll(func() { m.vp.GotoTop() })
	case key.Matches(msg, k.End):
		m.scroll(func() { m.vp.GotoBottom() })
	}
	return nil
}

func (m *Model) scroll(f func()) {
	m.syncBody(m.vp.Height)
	before := m.vp.YOffset
	f()
	if m.vp.YOffset != before {
		m.frameOK = false
	}
}

func (m *Model) setRange(r Range) {
	if r == m.rng {
		return
	}
	m.rng = r
	m.seriesGen++
	m.timelines = nil
	m.invalidate(func(d panelDef) bool { return d.charts })
	m.headerOK = false
}

func (m *Model) setSize(w, h int) {
	w, h = max(0, w), max(0, h)
	if w == m.w && h == m.h {
		return
	}
	m.w, m.h = w, h
	m.headerOK, m.footerOK, m.bodyValid, m.frameOK = false, false, false, false
}

// Range returns the chart range on screen.
func (m *Model) Range() Range { return m.rng }

// Paused reports whether the display is frozen.
func (m *Model) Paused() bool { return m.paused }

// Shown returns the snapshot on screen.
func (m *Model) Shown() *snapshot.Snapshot { return m.shown }

// seriesEntry is one cached series and the generation it was read in.
type seriesEntry struct {
	pts []Point
	gen uint64
}

// seriesAppender is a history that fills a caller's buffer (*history.Store is one).
type seriesAppender interface {
	AppendSeries(dst []Point, key string, r Range) []Point
}

// seriesFor reads a chart's data through the per-snapshot cache.
func (m *Model) seriesFor(key string) []Point {
	e := m.series[key]
	if e != nil && e.gen == m.seriesGen {
		return e.pts
	}
	if m.opts.History == nil {
		return nil
	}
	if e == nil {
		e = &seriesEntry{}
		m.series[key] = e
	}
	if a, ok := m.opts.History.(seriesAppender); ok {
		e.pts = a.AppendSeries(e.pts[:0], key, m.rng)
	} else {
		e.pts = m.opts.History.Series(key, m.rng)
	}
	e.gen = m.seriesGen
	return e.pts
}

type cachedSeries struct{ m *Model }

func (c cachedSeries) Series(key string, _ Range) []Point { return c.m.seriesFor(key) }

func (m *Model) viewCtx() *view {
	return &view{snap: m.shown, series: cachedSeries{m}, timeline: m.timelineFor, rng: m.rng, gpu: m.gpu, st: m.st, th: m.th}
}

// snapshotReader is the history's whole snapshots (*history.Store has them), from which
// the container strips follow the selected range.
type snapshotReader interface {
	Snapshots(r Range) []*snapshot.Snapshot
}

// timelineFor is a container's states over the selected range, one per bucket, oldest
// first: from the history's snapshots when it keeps them, else the snapshot's own
// timeline (the last 60 ticks).
func (m *Model) timelineFor(name string) []string {
	if m.shown == nil {
		return nil
	}
	hr, ok := m.opts.History.(snapshotReader)
	if !ok {
		for _, c := range m.shown.Containers {
			if c.Name == name {
				return c.Timeline
			}
		}
		return nil
	}
	m.syncTimelines(hr)
	return m.timelines[name]
}

// syncTimelines brings the strips up to the shown snapshot: in place when it falls in
// the same bucket as the last one or the next (the latest snapshot of a bucket is its
// state, as in the history), else read again from the history's snapshots.
func (m *Model) syncTimelines(hr snapshotReader) {
	if m.tlSeen == m.shown && m.timelines != nil {
		return
	}
	res := m.rng.Resolution()
	end := m.shown.Timestamp.Truncate(res)
	switch step := int(end.Sub(m.tlEnd) / res); {
	case m.timelines != nil && (step == 0 || step == 1):
		for name, tl := range m.timelines {
			if step == 1 {
				copy(tl, tl[1:])
			}
			tl[59] = ""
			m.timelines[name] = tl
		}
		m.setTimelineBucket(m.shown, 59)
	default:
		m.timelines = map[string][]string{}
		for _, s := range hr.Snapshots(m.rng) {
			if i := 59 - int(end.Sub(s.Timestamp.Truncate(res))/res); i >= 0 && i < 60 {
				m.setTimelineBucket(s, i)
			}
		}
	}
	m.tlEnd, m.tlSeen = end, m.shown
}

func (m *Model) setTimelineBucket(s *snapshot.Snapshot, i int) {
	for _, c := range s.Containers {
		tl := m.timelines[c.Name]
		if tl == nil {
			tl = make([]string, 60)
			m.timelines[c.Name] = tl
		}
		tl[i] = c.State
	}
}

// View draws the screen. It returns the cached frame unless something changed.
func (m *Model) View() string {
	f := m.Frame()
	if !m.viewOK {
		m.view, m.viewOK = string(f), true
	}
	return m.view
}

// Frame is View as bytes in a buffer the model reuses: valid until the next Update
// (fullscreen.FrameSource), so a frame drawn costs no allocation of its own.
func (m *Model) Frame() []byte {
	if !m.frameOK {
		m.frame.Reset()
		m.render(&m.frame)
		m.frameOK, m.viewOK, m.view = true, false, ""
	}
	return m.frame.Bytes()
}

// render writes the screen to b.
func (m *Model) render(b *bytes.Buffer) {
	if m.w <= 0 || m.h <= 0 {
		return
	}
	switch modeFor(m.w, m.h) {
	case modeTiny:
		b.WriteString(m.tinyView())
		return
	case modeCompact:
		b.WriteString(m.compactView())
		return
	}
	header := m.headerView()
	var banner []string
	if !m.showHelp && !m.showLog {
		banner = m.bannerLines(3)
	}
	footer := m.footerView()
	bodyH := m.h - strings.Count(header, "\n") - 1 - len(banner) - strings.Count(footer, "\n") - 1
	b.WriteString(header)
	for _, l := range banner {
		b.WriteByte('\n')
		b.WriteString(l)
	}
	if bodyH > 0 {
		m.writeBody(b, bodyH)
	}
	b.WriteByte('\n')
	b.WriteString(footer)
}

// writeBody writes the body's h lines, each after a newline: the dashboard's rows of
// panels joined straight into the frame, or the help or alert log in a scrollable
// viewport. The viewport keeps the scroll position and bounds; its window is cut from the
// cached lines directly, as every line already fits the width.
func (m *Model) writeBody(b *bytes.Buffer, h int) {
	if m.vp.Height != h || m.vp.Width != m.w {
		m.vp.Width, m.vp.Height = m.w, h
		m.bodyValid = false
	}
	m.syncBody(h)
	n := 0
	if m.dash != nil {
		for _, r := range m.dash {
			for i := range r.lines {
				b.WriteByte('\n')
				r.writeLine(b, i)
				n++
			}
		}
	} else {
		m.vp.SetYOffset(m.vp.YOffset) // clamp after a resize
		top := min(max(0, m.vp.YOffset), len(m.body))
		for _, l := range m.body[top:min(top+h, len(m.body))] {
			b.WriteByte('\n')
			b.WriteString(l)
			n++
		}
	}
	// Blank lines below short content keep the footer at the bottom.
	for ; n < h; n++ {
		b.WriteByte('\n')
	}
}

// syncBody puts the current content into the viewport when it changed.
func (m *Model) syncBody(h int) {
	if m.bodyValid {
		return
	}
	m.bodyValid = true
	m.body, m.dash = nil, nil
	switch {
	case m.showHelp:
		m.body = m.helpLines()
	case m.showLog:
		m.body = m.alertLogLines()
	case m.shown == nil:
		m.body = []string{m.st.Muted.Render("  waiting for the first collection…")}
	default:
		// Every line is its panels' lines, each exactly its column's width: none is
		// measured again (TestEveryWidthFits checks every width from 40 to 260).
		m.dash = m.dashboardRows(h)
		m.vp.SetContent("")
		return
	}
	for i, l := range m.body {
		m.body[i] = truncate(l, m.w)
	}
	if m.showHelp || m.showLog {
		// Only the detail views scroll; the viewport measures every line's width on
		// SetContent, which the dashboard (fitted to the screen) does not need.
		m.vp.SetContent(strings.Join(m.body, "\n"))
	} else {
		m.vp.SetContent("")
	}
}
