package tui

import (
	"strconv"
	"strings"
)

// markGlyph marks a chart column in which the marks series was 1: drawn in a row of its
// own above the bars of a chart several rows high.
const markGlyph = '▾'

// markColumns fills d.marked from the spec's marks series, merged into the same columns
// as the chart's own points (a column is marked when any of its buckets was).
func (v *view) markColumns(d *chartData, sp chartSpec, pts []Point) {
	if sp.marks == "" {
		return
	}
	mpts := v.points(sp.marks)
	if len(mpts) != len(pts) || len(pts) == 0 {
		return
	}
	vals, known := make([]float64, len(d.vals)), make([]bool, len(d.vals))
	mergeMax(mpts, d.merge, vals, known)
	d.marked = make([]bool, len(vals))
	for i := range vals {
		d.marked[i] = known[i] && vals[i] > 0
	}
}

// markRow is the marks above the bars: markGlyph over each marked column, spread over
// the chart's width as plotRows spreads the columns.
func (v *view) markRow(d chartData) string {
	var b strings.Builder
	for i, m := range d.marked {
		cell := " "
		if m {
			cell = string(markGlyph)
		}
		b.WriteString(strings.Repeat(cell, (i+1)*d.width/len(d.marked)-i*d.width/len(d.marked)))
	}
	return v.st.Level[lvWarn].Render(b.String())
}

// marksNote says what the marks mean ("▾ LLM busy or GPU throttled"); on a chart
// without a row to spare for them (inline: only the scale's 8 cells), how many columns
// are marked instead: " ▾12/60".
func (v *view) marksNote(d chartData, inline bool) string {
	n := 0
	for _, m := range d.marked {
		if m {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	count := " " + string(markGlyph) + strconv.Itoa(n) + "/" + strconv.Itoa(len(d.marked))
	if inline {
		return v.st.Level[lvWarn].Render(count)
	}
	return v.st.Level[lvWarn].Render(string(markGlyph) + " LLM busy or GPU throttled")
}
