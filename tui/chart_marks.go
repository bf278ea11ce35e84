package tui

import "strconv"

// markGlyph marks a chart column in which the marks series was 1: drawn in the top row
// of a chart several rows high, above the bar.
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

// marksNote says what the marks mean ("  ▾ LLM busy or GPU throttled"); on an inline
// chart, where there is no row above the bars and only the scale's 8 cells, how many
// columns are marked instead: " ▾12/60".
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
	if inline {
		return v.st.Level[lvWarn].Render(" " + string(markGlyph) + strconv.Itoa(n) + "/" + strconv.Itoa(len(d.marked)))
	}
	return v.st.Level[lvWarn].Render("  " + string(markGlyph) + " LLM busy or GPU throttled")
}
