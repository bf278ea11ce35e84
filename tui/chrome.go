package tui

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// headerView is "hsi-top  host  [5m] 15m  60m   ● Live  every 5s  …  12:00:05".
func (m *Model) headerView() string {
	if m.headerOK {
		return m.header
	}
	st := m.st
	host := dash
	if m.shown != nil && m.shown.Hostname != "" {
		host = m.shown.Hostname
	}
	var b strings.Builder
	b.WriteString(st.Title.Render("hsi-top"))
	if m.w >= 80 {
		b.WriteString("  ")
		b.WriteString(host)
	}
	b.WriteString("  ")
	// The active range is bracketed as well as highlighted, so it reads without colour.
	for r := Range5m; r <= Range60m; r++ {
		if r == m.rng {
			b.WriteString(st.RangeOn.Render("[" + r.String() + "]"))
		} else {
			b.WriteString(st.RangeOff.Render(" " + r.String() + " "))
		}
	}
	b.WriteByte(' ')
	if m.paused {
		b.WriteString(st.Level[lvWarn].Render("❚❚ Paused"))
		if m.shown != nil {
			b.WriteString(st.Muted.Render(" at " + m.shown.Timestamp.In(m.loc).Format("15:04:05")))
		}
	} else {
		b.WriteString(st.Level[lvOK].Render("● Live"))
	}
	clockFmt := "15:04:05"
	if m.w >= 100 {
		clockFmt = "2006-01-02 15:04:05"
		if m.every > 0 {
			b.WriteString(st.Muted.Render("  every " + m.every.String()))
		}
	}
	m.header = spread(b.String(), m.now.In(m.loc).Format(clockFmt), m.w)
	m.headerOK = true
	return m.header
}

// sortedAlerts puts critical alerts first, then the longest active, then by message.
func sortedAlerts(as []snapshot.Alert) []snapshot.Alert {
	out := append([]snapshot.Alert(nil), as...)
	sort.SliceStable(out, func(i, j int) bool {
		ci, cj := out[i].Severity == snapshot.SeverityCritical, out[j].Severity == snapshot.SeverityCritical
		if ci != cj {
			return ci
		}
		if !out[i].Since.Equal(out[j].Since.Time) {
			return out[i].Since.Before(out[j].Since.Time)
		}
		return out[i].Message < out[j].Message
	})
	return out
}

// alertLine is "✖ CRIT  Redis memory critical: 512.0MB  (threshold 500)  active 3m 12s".
func (m *Model) alertLine(a snapshot.Alert, now time.Time) string {
	lv, label, style := lvWarn, "WARN", m.st.BannerWarn
	if a.Severity == snapshot.SeverityCritical {
		lv, label, style = lvCrit, "CRIT", m.st.BannerCrit
	}
	s := style.Render(glyphs[lv]+" "+label) + "  " + style.Render(a.Message)
	s += m.st.Muted.Render("  (threshold " + strconv.FormatFloat(a.Threshold, 'f', -1, 64))
	if a.Peak != 0 && a.Peak != a.Value {
		s += m.st.Muted.Render(", peak " + strconv.FormatFloat(a.Peak, 'f', -1, 64))
	}
	s += m.st.Muted.Render(")")
	if !a.Since.IsZero() {
		s += m.st.Muted.Render("  active " + ago(now.Sub(a.Since.Time)))
	}
	return truncate(s, m.w)
}

// bannerLines is the alert banner, at most n lines; when more alerts are active than fit,
// the last line counts the rest.
func (m *Model) bannerLines(n int) []string {
	if m.shown == nil || len(m.shown.Alerts) == 0 || n <= 0 {
		return nil
	}
	as := sortedAlerts(m.shown.Alerts)
	if len(as) > n && n == 1 {
		// One line for several alerts: the worst one, with the count of the rest on it.
		more := m.st.Bold.Render("  +" + strconv.Itoa(len(as)-1) + " more")
		return []string{truncate(m.alertLine(as[0], m.shown.Timestamp.Time), m.w-width(more)) + more}
	}
	show := len(as)
	if show > n {
		show = n - 1
	}
	out := make([]string, 0, show+1)
	for _, a := range as[:show] {
		out = append(out, m.alertLine(a, m.shown.Timestamp.Time))
	}
	if rest := len(as) - show; rest > 0 {
		out = append(out, m.st.Bold.Render("  +"+strconv.Itoa(rest)+" more"))
	}
	return out
}

// footerView is the key hints and own footprint, then per-source freshness.
func (m *Model) footerView() string {
	if m.footerOK {
		return m.footer
	}
	m.help.Width = m.w
	self := ""
	if m.shown != nil {
		self = m.st.Muted.Render("hsi-top " + selfText(m.shown.Self))
	}
	keys := m.help.ShortHelpView(m.keys.ShortHelp())
	line1 := spread(keys, self, m.w)
	m.footer = line1 + "\n" + truncate(m.sourcesLine(), m.w)
	m.footerOK = true
	return m.footer
}

func selfText(s snapshot.Self) string {
	cpu := pct(s.CPUPercent) + " CPU"
	rss := dash
	if s.RSSBytes != nil {
		rss = bytesHuman(float64(*s.RSSBytes))
	}
	return cpu + " · " + rss
}

// sourcesLine is every source's freshness: "✔ host  ✔ postgres  ▲ redis stale 41s: timeout".
func (m *Model) sourcesLine() string {
	if m.shown == nil {
		return m.st.Muted.Render("sources: waiting")
	}
	var b strings.Builder
	b.WriteString(m.st.Muted.Render("sources "))
	for i, ss := range m.shown.Sources {
		if i > 0 {
			b.WriteString("  ")
		}
		switch {
		case ss.OK:
			b.WriteString(m.st.Level[lvOK].Render(glyphs[lvOK] + " " + string(ss.Source)))
		case ss.AgeSeconds != nil:
			b.WriteString(m.st.Level[lvWarn].Render(glyphs[lvWarn] + " " + staleText(ss)))
		default:
			b.WriteString(m.st.Level[lvCrit].Render(glyphs[lvCrit] + " " + staleText(ss)))
		}
	}
	return b.String()
}

// helpLines is the full help overlay: every key and the glyph legend.
func (m *Model) helpLines() []string {
	keys := strings.Split(m.help.FullHelpView(m.keys.FullHelp()), "\n")
	legend := []string{
		"",
		m.st.Bold.Render("States") + m.st.Muted.Render(" (shape and word, not colour alone)"),
		m.st.state(lvOK, "ok / healthy / running") + "   " + m.st.state(lvInfo, "starting / loading") + "   " + m.st.state(lvUnknown, "unknown"),
		m.st.state(lvWarn, "WARN / degraded / stale") + "   " + m.st.state(lvCrit, "CRIT / unreachable / failed"),
		"Containers strip, newest right: " + m.st.Level[lvOK].Render("█") + " healthy  " + m.st.Level[lvInfo].Render("▒") + " starting  " +
			m.st.Level[lvWarn].Render("▚") + " unhealthy  " + m.st.Level[lvCrit].Render("×") + " unreachable",
		dash + " means unknown (never 0). Charts show the selected range, 60 points; blank = no samples.",
		"Pause freezes the screen; collection and history continue, and resume jumps to live.",
		"",
		m.st.Muted.Render("? or esc closes this help"),
	}
	body := append(keys, legend...)
	w := min(m.w, 100)
	if w < 20 {
		return body
	}
	return m.st.box("Help", "", body, w, 0)
}

// wrappedHelp lists every binding as "key desc", packed into lines of the screen's width.
func (m *Model) wrappedHelp() []string {
	var lines []string
	line, lw := "", 0
	for _, group := range m.keys.FullHelp() {
		for _, b := range group {
			h := b.Help()
			item := m.st.Key.Render(h.Key) + " " + m.st.Help.Render(h.Desc)
			iw := width(h.Key) + 1 + width(h.Desc)
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
	}
	return append(lines, line)
}

// compactView: below 80×24, a header, the worst alert, one line per panel and a hint.
func (m *Model) compactView() string {
	st := m.st
	lines := make([]string, 0, 12)
	lines = append(lines, m.headerView())
	if m.showHelp {
		lines = append(lines, m.wrappedHelp()...)
		lines = append(lines, st.Muted.Render("? closes help"))
		return joinFit(lines, m.w, m.h)
	}
	if m.shown == nil {
		lines = append(lines, st.Muted.Render("waiting for the first collection…"))
		return joinFit(lines, m.w, m.h)
	}
	if b := m.bannerLines(1 + max(0, m.h-12)); len(b) > 0 {
		lines = append(lines, b...)
	} else if n := staleCount(m.shown); n > 0 {
		lines = append(lines, st.state(lvWarn, "no alerts, but "+strconv.Itoa(n)+" of "+strconv.Itoa(len(m.shown.Sources))+" sources failing"))
	} else {
		lines = append(lines, st.state(lvOK, "no alerts"))
	}
	v := m.viewCtx()
	for i := range panelDefs {
		d := &panelDefs[i]
		lv, text := d.compact(v)
		note, all := freshness(v, d.sources)
		line := st.Level[lv].Render(glyphs[lv]) + " " + st.Bold.Render(fit(d.short, 9)) + text
		if note != "" && !strings.HasPrefix(stripNote(note), "via") {
			line += "  " + note
		}
		if all {
			line = st.Dim.Render(line)
		}
		lines = append(lines, line)
	}
	lines = append(lines, st.Muted.Render("? help · q quit · p pause · "+m.rng.String()+" · "+selfText(m.shown.Self)))
	return joinFit(lines, m.w, m.h)
}

// stripNote removes styling so the note's words can be inspected.
func stripNote(s string) string { return strings.TrimSpace(stripANSI(s)) }

// tinyView: below 40×10, one line with the worst alert.
func (m *Model) tinyView() string {
	st := m.st
	var line string
	switch {
	case m.shown == nil:
		line = "hsi-top: waiting…"
	case len(m.shown.Alerts) > 0:
		as := sortedAlerts(m.shown.Alerts)
		a := as[0]
		lv, label := lvWarn, "WARN"
		if a.Severity == snapshot.SeverityCritical {
			lv, label = lvCrit, "CRIT"
		}
		line = st.Level[lv].Render(glyphs[lv]+" "+label+" ") + a.Message
		if len(as) > 1 {
			line += st.Bold.Render(" +" + strconv.Itoa(len(as)-1))
		}
	default:
		if stale := staleCount(m.shown); stale > 0 {
			line = st.state(lvWarn, "no alerts, "+strconv.Itoa(stale)+" stale")
		} else {
			line = st.state(lvOK, "hsi-top: no alerts")
		}
	}
	if m.paused {
		line = "❚❚ " + line
	}
	return truncate(line, m.w)
}

func staleCount(s *snapshot.Snapshot) int {
	n := 0
	for _, ss := range s.Sources {
		if !ss.OK {
			n++
		}
	}
	return n
}

// joinFit joins at most h lines, each cut to w cells.
func joinFit(lines []string, w, h int) string {
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	return strings.Join(lines, "\n")
}
