package tui

import (
	"strings"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/sparkline"
)

// spark draws the newest w points of pts as a one-row sparkline. Gaps (buckets with no
// samples) stay blank; a known value never disappears (its floor is the lowest block).
// max ≤ 0 scales to the data's own maximum. ntcharts computes the block glyphs; the row
// is then styled once rather than cell by cell.
func (s *Styles) spark(pts []Point, w int, max float64) string {
	if w <= 0 {
		return ""
	}
	if len(pts) > w {
		pts = pts[len(pts)-w:]
	}
	if max <= 0 {
		for _, p := range pts {
			if p.Count > 0 && p.Avg > max {
				max = p.Avg
			}
		}
		if max <= 0 {
			max = 1
		}
	}
	sl := s.sparkline(len(pts) + 1)
	sl.SetMax(max)
	for _, p := range pts {
		v := 0.0
		if p.Count > 0 {
			v = min(p.Avg, max)
		}
		sl.Push(v)
	}
	sl.Push(0) // ntcharts right-aligns the buffer; one spare cell keeps every point drawn
	sl.DrawColumnsOnly()
	var b strings.Builder
	b.Grow(w * 3)
	for i := len(pts); i < w; i++ {
		b.WriteByte(' ')
	}
	for x, p := range pts {
		r := sl.Canvas.Cell(canvas.Point{X: x, Y: 0}).Rune
		switch {
		case p.Count == 0:
			r = ' '
		case r == 0 || r == ' ':
			r = '▁'
		}
		b.WriteRune(r)
	}
	return s.Chart.Render(b.String())
}

// sparkline returns a reusable, cleared one-row ntcharts sparkline of width w: building
// a new one per chart costs a canvas, a key map and a ring buffer each time.
func (s *Styles) sparkline(w int) *sparkline.Model {
	if s.sparks == nil {
		s.sparks = map[int]*sparkline.Model{}
	}
	sl, ok := s.sparks[w]
	if !ok {
		m := sparkline.New(w, 1, sparkline.WithNoAutoMaxValue())
		sl = &m
		s.sparks[w] = sl
	}
	sl.Clear()
	return sl
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
