package tui

import (
	"sort"
	"strconv"
	"strings"

	"github.com/hsi-top/hsi-top/snapshot"
)

// helpLines is the help overlay: every key and the glyph legend, in lines that fit 76
// cells so the whole help shows at 80×24.
func (m *Model) helpLines() []string {
	st := m.st
	k := func(key, desc string) string { return st.Key.Render(fit(key, 10)) + desc }
	left := []string{
		k("1 2 3", "range 5m / 15m / 60m"),
		k("t tab", "next range"),
		k("p space", "pause (collection goes on)"),
		k("g", "next GPU (charts)"),
		k("r", "collect now"),
	}
	for _, extra := range m.opts.MoreKeys {
		left = append(left, k(extra.Key, extra.Does))
	}
	right := []string{
		k("a", "alert log (active, cleared)"),
		k("s A u", "log: snooze · ack · unsnooze"),
		k("↑↓ j k", "scroll help, select in log"),
		k("PgUp PgDn", "page"),
		k("? esc", "close this view"),
		k("q ctrl+c", "quit"),
	}
	lines := columns([][]string{left, right}, []int{38, 38}, "")
	lines = append(lines,
		"",
		st.Bold.Render("States")+st.Muted.Render(" (a shape and a word, never colour alone)"),
		st.state(lvOK, "healthy")+" "+st.state(lvInfo, "starting")+" "+st.state(lvUnknown, "unknown")+" "+
			st.state(lvWarn, "warning/stale")+" "+st.state(lvCrit, "critical/unreachable"),
		"Containers: "+st.Level[lvOK].Render("█")+" healthy "+st.Level[lvInfo].Render("▒")+" starting "+
			st.Level[lvWarn].Render("▚")+" unhealthy "+st.Level[lvCrit].Render("×")+" unreachable, newest right",
		dash+" is unknown, never 0. Charts: 60 buckets of the range, each its maximum;",
		"0–100% for percentages, else auto. The caption says range · time per column.",
		"Values turn amber/red at the alert levels, before a sustained alert fires.",
		string(markGlyph)+" on det95: an LLM slot was busy or a GPU throttled in that column.",
	)
	if m.w < 80 {
		return lines
	}
	return st.box(st.Title.Render("Help"), st.Muted.Render("? or esc closes"), lines, min(m.w, 80), 0)
}

// alertLogLines is the alert log: active alerts with age, value, peak and threshold,
// then the cleared ones with start, end and duration, newest first.
func (m *Model) alertLogLines() []string {
	st := m.st
	s := m.shown
	if s == nil {
		return []string{st.Muted.Render("waiting for the first collection…")}
	}
	now := s.Timestamp.Time
	lines := []string{st.Bold.Render("Active alerts (" + strconv.Itoa(len(s.Alerts)) + ")")}
	if len(s.Alerts) == 0 {
		lines = append(lines, st.state(lvOK, "none"))
	}
	sel, _ := m.selectedAlert()
	for _, a := range sortedAlerts(s.Alerts) {
		lv, label := alertLevelOf(a.Severity)
		line := st.Level[lv].Render(glyphs[lv] + " " + label + "  ")
		if txt := m.silenceText(a); txt != "" { // before the message: narrow screens cut the end
			line += st.Bold.Render("["+txt+"]") + " "
		}
		line += st.Level[lv].Render(a.Message)
		if m.silencing() { // the selection's mark, and room for it on the other lines
			mark := "  "
			if a.Metric == sel.Metric && a.Object == sel.Object {
				mark = st.Key.Render("▸ ")
			}
			line = mark + line
		}
		line += st.Muted.Render("  value ") + withUnit(string(a.Metric), a.Value) +
			st.Muted.Render(" · peak ") + withUnit(string(a.Metric), a.Peak) + st.Muted.Render(" · threshold ") + withUnit(string(a.Metric), a.Threshold)
		if !a.Since.IsZero() {
			line += st.Muted.Render(" · since " + a.Since.In(m.loc).Format("15:04:05") + " (" + ago(now.Sub(a.Since.Time)) + ")")
		}
		lines = append(lines, line)
	}
	cleared := make([]snapshot.AlertLogEntry, 0, len(s.AlertLog))
	for _, e := range s.AlertLog {
		if !e.Ongoing() {
			cleared = append(cleared, e)
		}
	}
	sort.SliceStable(cleared, func(i, j int) bool { return cleared[i].Cleared.After(cleared[j].Cleared.Time) })
	lines = append(lines, "", st.Bold.Render("Cleared ("+strconv.Itoa(len(cleared))+"), newest first"))
	if len(cleared) == 0 {
		lines = append(lines, st.Muted.Render("none since hsi-top started"))
	}
	for _, e := range cleared {
		lv, label := alertLevelOf(e.Severity)
		lines = append(lines, st.Level[lv].Render(glyphs[lv]+" "+label)+"  "+e.Message+
			st.Muted.Render("  "+e.Raised.In(m.loc).Format("15:04:05")+"–"+e.Cleared.In(m.loc).Format("15:04:05")+
				" ("+ago(e.Duration(now))+") · peak ")+withUnit(string(e.Metric), e.Peak)+st.Muted.Render(" · threshold ")+withUnit(string(e.Metric), e.Threshold))
	}
	if !m.silencing() {
		return append(lines, "", st.Muted.Render("a or esc closes · ↑↓ scroll"))
	}
	if m.logNote != "" {
		lines = append(lines, "", st.Bold.Render(m.logNote))
	}
	return append(lines, "", st.Muted.Render("↑↓ select · s snooze · A ack · u unsnooze · PgUp PgDn · a/esc closes"))
}

// wrappedHelp lists every binding as "key desc", packed into lines of the screen's width.
func (m *Model) wrappedHelp() []string {
	var lines []string
	line, lw := "", 0
	for _, h := range hintSets[0] {
		item := m.st.Key.Render(h[0]) + " " + m.st.Help.Render(h[1])
		iw := width(h[0]) + 1 + width(h[1])
		if lw > 0 && lw+3+iw > m.w {
			lines = append(lines, line)
			line, lw = "", 0
		}
		if lw > 0 {
			line += m.st.Muted.Render(" · ")
			lw += 3
		}
		line += item
		lw += iw
	}
	return append(lines, line)
}

// compactView: below 80×24, a header, the worst alerts, one line per panel and a hint.
func (m *Model) compactView() string {
	st := m.st
	lines := make([]string, 0, 14)
	head, _, _ := strings.Cut(m.headerView(), "\n")
	lines = append(lines, head)
	hint := st.Key.Render("?") + st.Help.Render(" help") + st.Muted.Render(" · ") + st.Key.Render("q") + st.Help.Render(" quit")
	if m.showHelp {
		lines = append(lines, m.wrappedHelp()...)
		lines = append(lines, st.Muted.Render("? closes help"))
		return joinFit(lines, m.w, m.h)
	}
	if m.shown == nil {
		lines = append(lines, st.Muted.Render("waiting for the first collection…"), hint)
		return joinFit(lines, m.w, m.h)
	}
	if m.showLog {
		lines = append(lines, m.alertLogLines()...)
		return joinFit(lines, m.w, m.h)
	}
	body := m.compactPanelLines()
	room := m.h - 2 - len(body)
	if b := m.bannerLines(max(1, min(3, room))); len(b) > 0 {
		lines = append(lines, b...)
	} else if n := staleCount(m.shown); n > 0 {
		lines = append(lines, truncate(m.sourcesLine(), m.w))
	} else {
		lines = append(lines, st.state(lvOK, "no alerts · all sources OK"))
	}
	if keep := m.h - len(lines) - 1; keep < len(body) {
		body = body[:max(0, keep)]
	}
	lines = append(lines, body...)
	lines = append(lines, hint+st.Muted.Render(" · a alerts · "+m.rng.String()+" · "+selfText(m.shown.Self)))
	return joinFit(lines, m.w, m.h)
}

// compactPanelLines is one line per panel, in priority order.
func (m *Model) compactPanelLines() []string {
	st := m.st
	v := m.viewCtx()
	order := []panelKind{pGPU, pModels, pInference, pDatabases, pHost, pContainers, pWorkers, pOverview}
	out := make([]string, 0, len(order))
	for _, k := range order {
		d := &panelDefs[k]
		lv, text := d.compact(v)
		if pl, word := panelState(v, d); word == "unreachable" || strings.HasPrefix(word, "stale") {
			lv, text = pl, word+" · "+text
		}
		line := st.Level[lv].Render(glyphs[lv]) + " " + st.Bold.Render(fit(d.short, 9)) + text
		if panelStale(v, d) {
			line = st.Dim.Render(line)
		}
		out = append(out, line)
	}
	return out
}

// tinyView: below 40×10, one line with the overall state and the worst alert.
func (m *Model) tinyView() string {
	st := m.st
	var line string
	switch {
	case m.shown == nil:
		line = "hsi-top: waiting…"
	case len(m.shown.Alerts) > 0:
		as := sortedAlerts(m.shown.Alerts)
		lv, label := alertLevelOf(as[0].Severity)
		line = st.Level[lv].Render(glyphs[lv]+" "+label+" ") + as[0].Message
		if len(as) > 1 {
			line += st.Bold.Render(" +" + strconv.Itoa(len(as)-1))
		}
	default:
		lv, word := m.overall()
		line = st.state(lv, word)
	}
	if m.paused {
		line = "❚❚ " + line
	}
	return truncate(line, m.w)
}
