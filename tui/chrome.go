package tui

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/hsi-top/hsi-top/snapshot"
)

// overall is the whole box's state in one word, the worst of the alerts, the panels and
// the sources: HEALTHY, WARNING, CRITICAL, DEGRADED (a source has a problem) or
// UNREACHABLE (no source answered).
func (m *Model) overall() (level, string) {
	s := m.shown
	if s == nil {
		return lvUnknown, "WAITING"
	}
	lv := lvOK
	for _, a := range s.Alerts {
		if a.Severity == snapshot.SeverityCritical {
			lv = lvCrit
		} else {
			lv = max(lv, lvWarn)
		}
	}
	v := m.viewCtx()
	lv = max(lv, workersLevel(s.Workers))
	failed := 0
	for _, ss := range s.Sources {
		if !ss.OK {
			failed++
		}
	}
	if len(s.Sources) > 0 && failed == len(s.Sources) {
		return lvCrit, "UNREACHABLE"
	}
	for _, k := range []panelKind{pGPU, pModels, pInference, pDatabases, pHost, pContainers} {
		if pl, _ := panelState(v, &panelDefs[k]); pl == lvWarn || pl == lvCrit {
			lv = max(lv, pl)
		}
	}
	if lv == lvCrit {
		return lvCrit, "CRITICAL"
	}
	troubled := len(problems(s)) > 0 // the sources' problems in words: made once
	switch {
	case lv == lvWarn && troubled && len(s.Alerts) == 0:
		return lvWarn, "DEGRADED"
	case lv == lvWarn:
		return lvWarn, "WARNING"
	case troubled:
		return lvWarn, "DEGRADED"
	}
	return lvOK, "HEALTHY"
}

// headerView is "hsi-top  gpu-box  ✔ HEALTHY  [5m] 15m 60m  ● Live  every 5s   12:00:05",
// then the pipeline strip (workers and the overview's counts).
func (m *Model) headerView() string {
	if m.headerOK {
		return m.header
	}
	st := m.st
	var b strings.Builder
	b.WriteString(st.Title.Render("hsi-top"))
	if m.opts.Demo {
		b.WriteString(" " + st.Level[lvInfo].Render("DEMO"))
	}
	if m.opts.Badge != nil {
		if badge := m.opts.Badge(); badge != "" {
			b.WriteString(" " + st.Level[lvInfo].Render(badge))
		}
	}
	if m.w >= 80 && m.shown != nil && m.shown.Hostname != "" {
		b.WriteString("  " + m.shown.Hostname)
	}
	lv, word := m.overall()
	b.WriteString("  " + st.state(lv, word) + "  ")
	// The active range is bracketed as well as highlighted, so it reads without colour.
	for r := Range5m; r <= Range60m; r++ {
		if r == m.rng {
			b.WriteString(st.RangeOn.Render("[" + r.String() + "]"))
		} else {
			b.WriteString(st.RangeOff.Render(" " + r.String() + " "))
		}
	}
	b.WriteByte(' ')
	switch {
	case m.paused:
		b.WriteString(st.Level[lvWarn].Render("❚❚ Paused"))
		if m.shown != nil {
			b.WriteString(st.Muted.Render(" at " + m.shown.Timestamp.In(m.loc).Format("15:04:05")))
		}
	default:
		b.WriteString(st.Level[lvOK].Render("● Live"))
		if m.every > 0 && m.w >= 100 {
			b.WriteString(st.Muted.Render(" every " + m.every.String()))
		}
	}
	if m.collecting {
		b.WriteString("  " + st.Accent.Render("collecting…"))
	}
	clockFmt := "15:04:05"
	if m.w >= 140 {
		clockFmt = "2006-01-02 15:04:05"
	}
	m.header = spread(b.String(), m.now.In(m.loc).Format(clockFmt), m.w)
	if m.shown != nil {
		m.header += "\n" + truncate(pipelineStrip(m.viewCtx()), m.w)
	}
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

func alertLevelOf(sev string) (level, string) {
	if sev == snapshot.SeverityCritical {
		return lvCrit, "CRIT"
	}
	return lvWarn, "WARN"
}

// alertLine is "✖ CRIT  Redis memory critical: 512.0MB  (threshold 500 MB, peak 530 MB)  active 3m 12s".
func (m *Model) alertLine(a snapshot.Alert) string {
	lv, label := alertLevelOf(a.Severity)
	style := m.st.Level[lv]
	s := style.Render(glyphs[lv]+" "+label) + "  " + style.Render(a.Message)
	detail := "  (threshold " + withUnit(string(a.Metric), a.Threshold)
	if a.Peak != 0 && a.Peak != a.Value {
		detail += ", peak " + withUnit(string(a.Metric), a.Peak)
	}
	detail += ")"
	if !a.Since.IsZero() {
		detail += "  active " + ago(m.shown.Timestamp.Sub(a.Since.Time))
	}
	return truncate(s+m.st.Muted.Render(detail), m.w)
}

// bannerLines is the alert banner: at most n lines, the worst first; when more alerts
// are active than fit, the last line counts the rest and names the key of the log.
func (m *Model) bannerLines(n int) []string {
	if m.shown == nil || len(m.shown.Alerts) == 0 || n <= 0 {
		return nil
	}
	as := sortedAlerts(m.shown.Alerts)
	if len(as) <= n {
		out := make([]string, 0, len(as))
		for _, a := range as {
			out = append(out, m.alertLine(a))
		}
		return out
	}
	out := make([]string, 0, n)
	for _, a := range as[:n-1] {
		out = append(out, m.alertLine(a))
	}
	more := m.st.Bold.Render("  +" + strconv.Itoa(len(as)-(n-1)) + " more (a)")
	if n == 1 {
		more = m.st.Bold.Render("  +" + strconv.Itoa(len(as)-1) + " more (a)")
		return []string{truncate(m.alertLine(as[0]), m.w-width(more)) + more}
	}
	return append(out, more)
}

// hintSets are the footer's key hints, richest first; `? help` and `q quit` are in
// every one, so shortening never hides them.
var hintSets = [][][2]string{
	{{"1 2 3", "range"}, {"t", "next range"}, {"p", "pause"}, {"g", "next GPU"}, {"r", "collect now"}, {"a", "alert log"}, {"?", "help"}, {"q", "quit"}},
	{{"1 2 3", "range"}, {"p", "pause"}, {"g", "GPU"}, {"r", "collect"}, {"a", "alerts"}, {"?", "help"}, {"q", "quit"}},
	{{"1 2 3", "range"}, {"a", "alerts"}, {"?", "help"}, {"q", "quit"}},
	{{"?", "help"}, {"q", "quit"}},
}

func (m *Model) hints(set [][2]string) string {
	var b strings.Builder
	for i, h := range set {
		if i > 0 {
			b.WriteString(m.st.Muted.Render(" · "))
		}
		b.WriteString(m.st.Key.Render(h[0]) + " " + m.st.Help.Render(h[1]))
	}
	return b.String()
}

// footerView is the key hints and hsi-top's own footprint, then the sources' problems.
func (m *Model) footerView() string {
	if m.footerOK {
		return m.footer
	}
	self := ""
	if m.shown != nil {
		self = m.st.Muted.Render("hsi-top " + selfText(m.shown.Self))
	}
	line1 := ""
	for _, withSelf := range []bool{true, false} {
		for _, set := range hintSets {
			k := m.hints(set)
			r := ""
			if withSelf {
				r = self
			}
			if width(k)+width(r)+2 <= m.w {
				line1 = spread(k, r, m.w)
				break
			}
		}
		if line1 != "" {
			break
		}
	}
	if line1 == "" {
		line1 = truncate(m.hints(hintSets[len(hintSets)-1]), m.w)
	}
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

// problem is one thing wrong with the sources, in an operator's words.
type problem struct {
	lv     level
	who    string // "Redis", "GPU"
	state  string // "stale 10s", "unreachable", "driver not found"
	reason string
	addr   string
}

var addrRE = regexp.MustCompile(`(https?://[^\s"']+|\b\d{1,3}(\.\d{1,3}){3}:\d+\b|\[[0-9a-f:]+\]:\d+|/[\w./-]+\.sock)`)

// problems lists every source that failed, and the sources that answered but could not
// read what they watch (no GPU driver, a model server down): none of them is "OK".
func problems(s *snapshot.Snapshot) []problem {
	var out []problem
	for _, ss := range s.Sources {
		if ss.OK {
			continue
		}
		p := problem{lv: lvWarn, who: sourceName(ss.Source), state: sourceState(ss), reason: shortErr(ss.Error, 40), addr: lastAddr(ss.Error)}
		if ss.AgeSeconds == nil {
			p.lv = lvCrit
		}
		out = append(out, p)
	}
	if nv, ok := s.Source("nvml"); ok && nv.OK && len(s.GPUs) == 0 && s.GPUStatus.Error != "" {
		out = append(out, problem{lv: lvWarn, who: "GPU", state: gpuProblemWord(s.GPUStatus.Error), reason: shortErr(s.GPUStatus.Error, 50)})
	}
	for _, mc := range []struct {
		source           snapshot.SourceName
		who, status, err string
	}{
		{"detector", "Detector", s.AIModels.Detector.Status, s.AIModels.Detector.Error},
		{"llm", "LLM", s.AIModels.Nemotron.Status, s.AIModels.Nemotron.Error},
	} {
		if ss, ok := s.Source(mc.source); ok && ss.OK && mc.status == snapshot.StatusUnreachable {
			out = append(out, problem{lv: lvCrit, who: mc.who, state: "unreachable", reason: shortErr(mc.err, 40), addr: lastAddr(mc.err)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].lv > out[j].lv })
	return out
}

// lastAddr is the last address named in an error: the remote end of "a->b".
func lastAddr(e string) string {
	all := addrRE.FindAllString(e, -1)
	if len(all) == 0 {
		return ""
	}
	return all[len(all)-1]
}

// gpuProblemWord names a GPU the source cannot read: "driver not found" for a missing
// NVML library, else "unreadable".
func gpuProblemWord(e string) string {
	l := strings.ToLower(e)
	if strings.Contains(l, "not found") || strings.Contains(l, "no nvidia driver") {
		return "driver not found"
	}
	return "unreadable"
}

// sourcesLine is "all sources OK", or the problems with equal states and reasons collapsed:
// "✖ Backend API 127.0.0.1:8000, LLM 127.0.0.1:8081 unreachable: connection refused  ▲ Redis stale 10s: timeout".
func (m *Model) sourcesLine() string {
	if m.shown == nil {
		return m.st.Muted.Render("sources: waiting for the first collection")
	}
	ps := problems(m.shown)
	if len(ps) == 0 {
		return m.st.state(lvOK, "all sources OK")
	}
	type group struct {
		lv            level
		who           []string
		state, reason string
	}
	var groups []*group
	idx := map[string]*group{}
	for _, p := range ps {
		key := p.state + "\x00" + p.reason
		g, ok := idx[key]
		if !ok {
			g = &group{lv: p.lv, state: p.state, reason: p.reason}
			idx[key] = g
			groups = append(groups, g)
		}
		who := p.who
		if p.addr != "" && len(ps) <= 4 {
			who += " " + p.addr
		}
		g.who = append(g.who, who)
	}
	parts := make([]string, 0, len(groups))
	for _, g := range groups {
		s := glyphs[g.lv] + " " + strings.Join(g.who, ", ") + " " + g.state
		if g.reason != "" && g.reason != g.state {
			s += ": " + g.reason
		}
		if len(g.who) > 3 {
			// Many sources failing alike: the state and reason first, so a cut keeps them.
			s = glyphs[g.lv] + " " + strconv.Itoa(len(g.who)) + " sources " + g.state + ": " + orDash(g.reason) + " — " + strings.Join(g.who, ", ")
		}
		parts = append(parts, m.st.Level[g.lv].Render(s))
	}
	return strings.Join(parts, "  ")
}

// staleCount is how many sources have a problem.
func staleCount(s *snapshot.Snapshot) int { return len(problems(s)) }

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
