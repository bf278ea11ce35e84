package tui

import (
	"bytes"
	"strings"
)

// arrangementFor is the full view's rows of panels, by priority: GPU first, then the AI
// models and inference, then databases, host and containers; side by side from 120
// columns.
func arrangementFor(w int) [][]panelKind {
	if w >= 120 {
		return [][]panelKind{{pGPU}, {pModels, pInference}, {pDatabases, pHost}, {pContainers}}
	}
	return [][]panelKind{{pGPU}, {pModels}, {pInference}, {pDatabases}, {pHost}, {pContainers}}
}

// frameStyle is how panels are framed: rounded boxes when there is room, else a title
// rule above the lines (one row per panel instead of two).
type frameStyle int

const (
	frameBox frameStyle = iota
	frameRule
)

// plan is a fitted layout: the frame, full or dense lines, and chart rows per panel row.
type plan struct {
	frame frameStyle
	dense bool
	cr    []int
}

// maxChartRows caps a chart's height.
const maxChartRows = 10

// slot is one panel of a row with its width.
type slot struct {
	kind panelKind
	w    int
}

// rowSlots gives each panel of each row its width (two panels: halves with one space).
func rowSlots(arr [][]panelKind, w int) [][]slot {
	out := make([][]slot, len(arr))
	for i, row := range arr {
		if len(row) == 1 {
			out[i] = []slot{{row[0], w}}
			continue
		}
		lw := (w - 1) / 2
		out[i] = []slot{{row[0], lw}, {row[1], w - 1 - lw}}
	}
	return out
}

func frameCost(f frameStyle) (rows, side int) {
	if f == frameBox {
		return 2, 4
	}
	return 1, 1
}

// panelHeight is the rows a panel takes with cr chart rows.
func panelHeight(c content, f frameStyle, dense bool, w, cr int) int {
	rows, side := frameCost(f)
	n := len(c.lines)
	if dense {
		n = len(c.dense)
	}
	return rows + n + chartGridHeight(len(c.charts), w-side, cr)
}

// rowHeight is the tallest panel of the row.
func rowHeight(cs []content, sl []slot, f frameStyle, dense bool, cr int) int {
	h := 0
	for i := range sl {
		h = max(h, panelHeight(cs[i], f, dense, sl[i].w, cr))
	}
	return h
}

// fitPlan finds the richest layout that fits avail rows: boxes, then rules, then dense
// lines; the spare rows then go to the charts, a chart row at a time for each panel row
// in priority order.
func fitPlan(cs [][]content, sl [][]slot, avail int) plan {
	for _, p := range []plan{{frameBox, false, nil}, {frameRule, false, nil}, {frameRule, true, nil}} {
		p.cr = make([]int, len(sl))
		total := 0
		for i := range sl {
			total += rowHeight(cs[i], sl[i], p.frame, p.dense, 0)
		}
		if total <= avail {
			growCharts(cs, sl, &p, avail-total)
			return p
		}
	}
	return plan{frame: frameRule, dense: true, cr: make([]int, len(sl))}
}

// growCharts gives spare rows to the charts, one chart row per panel row per round; rows
// still spare then go to the first charts of a panel row whose whole set did not fit
// (fewCharts), so no row is left blank while a chart could fill it.
func growCharts(cs [][]content, sl [][]slot, p *plan, spare int) {
	for grew := true; grew; {
		grew = false
		for i := range sl {
			if p.cr[i] >= maxChartRows {
				continue
			}
			cost := rowHeight(cs[i], sl[i], p.frame, p.dense, p.cr[i]+1) - rowHeight(cs[i], sl[i], p.frame, p.dense, p.cr[i])
			if cost == 0 || cost > spare {
				continue
			}
			p.cr[i]++
			spare -= cost
			grew = true
		}
	}
	fewCharts(cs, sl, p, spare)
}

// fewCharts gives spare rows to the panel rows without charts, in priority order: each
// of the row's panels keeps as many of its first charts, one row high, as fit in the
// spare rows.
func fewCharts(cs [][]content, sl [][]slot, p *plan, spare int) {
	for i := range sl {
		if spare <= 0 {
			return
		}
		if p.cr[i] > 0 {
			continue
		}
		before := rowHeight(cs[i], sl[i], p.frame, p.dense, 0)
		after := before
		kept := make([]content, len(sl[i]))
		for j := range sl[i] {
			c := cs[i][j]
			for len(c.charts) > 0 && panelHeight(c, p.frame, p.dense, sl[i][j].w, 1) > before+spare {
				c.charts = c.charts[:len(c.charts)-1]
			}
			kept[j] = c
			after = max(after, panelHeight(c, p.frame, p.dense, sl[i][j].w, 1))
		}
		if after == before {
			continue // no chart fits, or the row has none
		}
		copy(cs[i], kept)
		p.cr[i] = 1
		spare -= after - before
	}
}

// panelRow is one row of the dashboard: panels side by side, each block's lines exactly
// its width (framePanel draws them so), lines tall (the last row may be cut to the screen).
type panelRow struct {
	blocks []block
	lines  int
}

// writeLine writes line i of the row: its blocks' lines separated by one space, a block
// without that line as blanks of its width.
func (r panelRow) writeLine(b *bytes.Buffer, i int) {
	for j := range r.blocks {
		if j > 0 {
			b.WriteByte(' ')
		}
		r.blocks[j].writeLine(b, i)
	}
}

// dashboardRows draws the full view's panels in at most h lines.
func (m *Model) dashboardRows(h int) []panelRow {
	v := m.viewCtx()
	arr := arrangementFor(m.w)
	sl := rowSlots(arr, m.w)
	cs := make([][]content, len(sl))
	for i, row := range sl {
		cs[i] = make([]content, len(row))
		for j, s := range row {
			_, side := frameCost(frameBox)
			cs[i][j] = m.panels[s.kind].content(v, s.w-side)
		}
	}
	p := fitPlan(cs, sl, h)
	out := make([]panelRow, 0, len(sl))
	used := 0
	for i, row := range sl {
		if used >= h {
			break
		}
		rh := rowHeight(cs[i], row, p.frame, p.dense, p.cr[i])
		r := panelRow{blocks: make([]block, len(row)), lines: min(rh, h-used)}
		for j, s := range row {
			cr := p.cr[i]
			// A shorter panel beside a taller one grows its own charts into the gap.
			for cr < maxChartRows && len(cs[i][j].charts) > 0 && panelHeight(cs[i][j], p.frame, p.dense, s.w, cr+1) <= rh {
				cr++
			}
			r.blocks[j] = m.framePanel(v, s, cs[i][j], p, cr, rh)
		}
		out = append(out, r)
		used += r.lines
	}
	return out
}

// framePanel draws one panel in its frame, exactly rh rows.
func (m *Model) framePanel(v *view, s slot, c content, p plan, cr, rh int) block {
	def := &panelDefs[s.kind]
	_, side := frameCost(p.frame)
	inner := s.w - side
	lines := c.lines
	if p.dense {
		lines = c.dense
	}
	lines = append(append([]string(nil), lines...), v.chartGrid(c.charts, inner, cr)...)
	lv, word := panelState(v, def)
	title := v.st.Title.Render(def.title) + " " + v.st.state(lv, word)
	if def.charts && len(c.charts) > 0 && cr > 0 {
		if cr == 1 {
			// One-line charts have no caption of their own: the title says the range and
			// the time one column covers.
			title += v.st.Muted.Render(" · " + spanCaption(m.rng, inlineMerge(len(c.charts), inner)))
		} else {
			title += v.st.Muted.Render(" · " + m.rng.String())
		}
	}
	note := panelNote(v, def)
	if p.frame == frameBox {
		return v.st.boxBlock(title, note, lines, s.w, rh)
	}
	out := make([]string, 0, rh)
	out = append(out, v.st.rule(title, note, s.w))
	for i := 0; i < rh-1; i++ {
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		out = append(out, " "+fit(l, inner))
	}
	return block{lines: out, height: rh, width: s.w}
}

// rule is a panel's title line in the rule frame: "── GPU ✔ healthy · 5m ───── via NVML ─".
func (s *Styles) rule(title, note string, w int) string {
	t := truncate(title, max(0, w-4))
	line := s.Border.Render("── ") + t + " "
	rest := w - 4 - width(t)
	if note != "" && rest > width(note)+4 {
		line += s.Border.Render(strings.Repeat("─", rest-width(note)-3)) + " " + note + " " + s.Border.Render("─")
	} else {
		line += s.Border.Render(strings.Repeat("─", max(0, rest)))
	}
	return line
}

// inlineMerge is how many buckets each column of one-line charts merges when n of them
// share lines of w cells.
func inlineMerge(n, w int) int {
	per := chartsPerLine(n, w, 1)
	cw := (w - 3*(per-1)) / per
	_, f := columnsFor(60, cw-chartLabelW-8)
	return f
}
