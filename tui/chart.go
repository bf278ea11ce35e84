package tui

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hsi-top/hsi-top/internal/textfmt"
)

// chartSpec is one chart of a panel: its label, current value, series key, scale and
// how a value is coloured.
type chartSpec struct {
	label, value, key string
	scale             chartScale
	unit              string
	// level colours a drawn value by the alert rule's levels; nil draws every value in
	// the chart colour.
	level func(float64) level
	// marks, when set, is a 0/1 series whose columns with a 1 are marked on this chart
	// (the detector latency's contention marks: chart_marks.go).
	marks string
}

// chartScale is a chart's vertical scale: fixed (0–100 % for percentages) or automatic
// with a floor, so a steady small value draws as a steady low line, not a full bar.
type chartScale struct {
	top   float64 // the fixed top, or the auto scale's floor
	fixed bool
}

func fixedScale(top float64) chartScale  { return chartScale{top: top, fixed: true} }
func autoScale(floor float64) chartScale { return chartScale{top: floor} }

// mergeFactors are the bucket merges that divide the 60 buckets evenly.
var mergeFactors = [...]int{1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60}

// columnsFor is how many columns the 60 buckets take in pw cells and how many buckets
// each column merges: one bucket a column when there is room, else an even merge.
func columnsFor(n, pw int) (cols, merge int) {
	for _, f := range mergeFactors {
		if n/f <= pw && n%f == 0 {
			return n / f, f
		}
	}
	return 0, n
}

// mergeMax folds pts into cols columns of f buckets each, keeping each column's maximum
// (a 5 s spike shows at full height at every range); known is false for a column whose
// buckets have no samples (a gap).
func mergeMax(pts []Point, f int, vals []float64, known []bool) {
	for c := range vals {
		vals[c], known[c] = 0, false
		for _, p := range pts[c*f : (c+1)*f] {
			if p.Count > 0 && (!known[c] || p.Max > vals[c]) {
				vals[c], known[c] = p.Max, true
			}
		}
	}
}

// niceTop rounds an automatic scale's top up to a round number (1, 1.5, 2, 2.5, 3, 4,
// 5, 6 or 8 times a power of ten).
func niceTop(v float64) float64 {
	if v <= 0 {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if v <= m*e {
			return m * e
		}
	}
	return 10 * e
}

// chartData is a chart's columns, ready to draw.
type chartData struct {
	vals  []float64
	known []bool
	top   float64
	peak  *float64
	merge int
	// width is the cells the columns are spread over: the columns themselves, or the
	// whole chart when it has room for more than one cell per bucket.
	width int
	// marked are the columns the spec's marks series marks; nil without marks.
	marked []bool
}

func prepareChart(pts []Point, sc chartScale, pw int) chartData {
	n := len(pts)
	if n == 0 {
		n = 60
		pts = make([]Point, n)
	}
	cols, f := columnsFor(n, pw)
	d := chartData{vals: make([]float64, cols), known: make([]bool, cols), merge: f, width: cols}
	if f == 1 && pw > cols {
		d.width = pw
	}
	mergeMax(pts, f, d.vals, d.known)
	for i, v := range d.vals {
		if d.known[i] && (d.peak == nil || v > *d.peak) {
			d.peak = &d.vals[i]
		}
	}
	d.top = sc.top
	if !sc.fixed && d.peak != nil {
		d.top = niceTop(max(*d.peak, sc.top))
	}
	if d.top <= 0 {
		d.top = 1
	}
	return d
}

// eighths is how many eighth-cells of a rows-high column value v fills; a known value
// never disappears (at least one eighth).
func (d *chartData) eighths(i, rows int) int {
	if !d.known[i] {
		return 0
	}
	e := int(math.Round(min(max(d.vals[i]/d.top, 0), 1) * float64(rows*8)))
	return max(e, 1)
}

var blocks = [...]rune{' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'}

// plotRows draws the columns as rows-high bars, top row first; each row is styled in
// runs of equal level (never cell by cell).
func (v *view) plotRows(d chartData, sp chartSpec, rows int) []string {
	out := make([]string, rows)
	// Each column's level once, not once per row.
	lvs := make([]level, len(d.vals))
	if sp.level != nil {
		for i, x := range d.vals {
			lvs[i] = sp.level(x)
		}
	}
	var b strings.Builder
	for r := 0; r < rows; r++ {
		base := (rows - 1 - r) * 8
		// A block is 3 bytes; a style change at most a few dozen.
		b.Grow(3*d.width + 64)
		runLv, runStyled := level(-1), false // the run being written; blanks are unstyled
		for i := range d.vals {
			e := d.eighths(i, rows) - base
			cell := blocks[min(max(e, 0), 8)]
			lv, styled := lvs[i], cell != ' '
			if styled != runStyled || (styled && lv != runLv) {
				if runStyled {
					v.st.chartStyle(runLv).close(&b)
				}
				if styled {
					v.st.chartStyle(lv).open(&b)
				}
				runLv, runStyled = lv, styled
			}
			for range (i+1)*d.width/len(d.vals) - i*d.width/len(d.vals) {
				b.WriteRune(cell)
			}
		}
		if runStyled {
			v.st.chartStyle(runLv).close(&b)
		}
		out[r] = b.String()
		b = strings.Builder{}
	}
	return out
}

// scaleText is the scale's top with its unit: "100%", "5k ms", "230 W".
func scaleText(top float64, unit string) string {
	s := strconv.FormatFloat(top, 'f', -1, 64)
	if top >= 10000 {
		s = strconv.FormatFloat(top/1000, 'f', -1, 64) + "k"
	}
	if unit == "%" || unit == "°C" || unit == "" {
		return s + unit
	}
	return s + " " + strings.TrimSpace(unit)
}

// spanCaption is "5m · 5s": the range and the time one column covers.
func spanCaption(r Range, merge int) string {
	return r.String() + " · " + textfmt.Span(time.Duration(merge)*r.Resolution())
}

// chartLabelW is the cells taken by an inline chart's label and value.
const chartLabelW = 16

// chartCell draws one chart in w cells and rows lines. One line is inline:
// "util 43%     ▁▂▃▅▇  ≤100%"; more lines have a caption line (value, peak, scale and
// span) above rows−1 rows of bars across the whole width.
func (v *view) chartCell(sp chartSpec, w, rows int) []string {
	pts := v.points(sp.key)
	if rows <= 1 {
		sc := " ≤" + scaleText(sp.scale.top, sp.unit)
		if !sp.scale.fixed {
			sc = ""
		}
		pw := w - chartLabelW - 8
		d := prepareChart(pts, sp.scale, pw)
		if !sp.scale.fixed {
			sc = " ≤" + scaleText(d.top, sp.unit)
		}
		v.markColumns(&d, sp, pts)
		tail := v.st.Muted.Render(sc)
		if note := v.marksNote(d, true); note != "" {
			tail = note // in the scale's place: an inline chart has no room for both
		}
		head := v.st.Muted.Render(fit(sp.label, 7)) + fit(sp.value, chartLabelW-8) + " "
		return []string{head + v.plotRows(d, sp, 1)[0] + tail}
	}
	d := prepareChart(pts, sp.scale, w)
	v.markColumns(&d, sp, pts)
	peak := ""
	if d.peak != nil {
		peak = "  peak " + scaleValue(*d.peak, sp.unit)
	}
	caption := v.st.Muted.Render(sp.label+" ") + sp.value + v.st.Muted.Render(peak+"  0–"+scaleText(d.top, sp.unit)+"  "+spanCaption(v.rng, d.merge))
	if note := v.marksNote(d, rows < 3); note != "" {
		caption += " " + note
		if rows >= 3 { // the row under the caption marks the columns, the bars take the rest
			return append([]string{caption, v.markRow(d)}, v.plotRows(d, sp, rows-2)...)
		}
	}
	return append([]string{caption}, v.plotRows(d, sp, rows-1)...)
}

// scaleValue writes a drawn value with its unit: "58%", "4,800 ms", "135 W".
func scaleValue(x float64, unit string) string {
	s := textfmt.Thousands(int64(math.Round(x)))
	if x < 10 && x != math.Trunc(x) {
		s = strconv.FormatFloat(x, 'f', 1, 64)
	}
	if unit == "%" || unit == "°C" || unit == "" {
		return s + unit
	}
	return s + " " + strings.TrimSpace(unit)
}

// chartsPerLine is how many charts share a line of w cells: as many as keep each wide
// enough for its label and half the buckets inline, or all 60 buckets when taller.
func chartsPerLine(n, w, rows int) int {
	minChartW := 40
	if rows > 1 {
		minChartW = 60
	}
	per := max(1, min(n, (w+3)/(minChartW+3)))
	for per > 1 && (n+per-1)/per == (n+per-2)/(per-1) {
		per-- // the same number of lines with fewer, wider charts
	}
	return per
}

// chartGridHeight is the lines n charts take in w cells at rows lines each.
func chartGridHeight(n, w, rows int) int {
	if n == 0 || rows <= 0 {
		return 0
	}
	per := chartsPerLine(n, w, rows)
	return (n + per - 1) / per * rows
}

// chartGrid lays the charts out, several per line when there is room, each rows high.
func (v *view) chartGrid(specs []chartSpec, w, rows int) []string {
	if len(specs) == 0 || rows <= 0 {
		return nil
	}
	per := chartsPerLine(len(specs), w, rows)
	cw := (w - 3*(per-1)) / per
	var lines []string
	for i := 0; i < len(specs); i += per {
		blocks := make([][]string, 0, per)
		widths := make([]int, 0, per)
		for j := i; j < min(i+per, len(specs)); j++ {
			blocks = append(blocks, v.chartCell(specs[j], cw, rows))
			widths = append(widths, cw)
		}
		lines = append(lines, columns(blocks, widths, "   ")...)
	}
	return lines
}

// bar draws a w-cell progress bar for a percentage in the level's style; unknown is
// a muted dotted bar.
func (s *Styles) bar(p *float64, w int, lv level) string {
	if w <= 0 {
		return ""
	}
	if p == nil {
		return s.Muted.Render(strings.Repeat("·", w))
	}
	v := min(max(*p, 0), 100)
	full := int(v/100*float64(w) + 0.5)
	if v > 0 && full == 0 {
		full = 1
	}
	return s.Level[lv].Render(strings.Repeat("█", full)) + s.Muted.Render(strings.Repeat("░", w-full))
}
