package tui

import (
	"testing"
)

// fullHistoryModel is the dashboard at 200×60 after 60 minutes of 5 s ticks.
func fullHistoryModel(b *testing.B) (*Model, *fakeHistory) {
	m, hist, _, _ := newTestModel(scAlerts, 720, 200, 60)
	b.Cleanup(m.Close)
	return m, hist
}

// BenchmarkView is View() of the full dashboard at 200×60, 60m range, full history: what
// Bubble Tea calls after every message.
func BenchmarkView(b *testing.B) {
	m, _ := fullHistoryModel(b)
	press(m, "3")
	m.View()
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkViewFull is the frame at 200×60 in true colour with everything drawn anew, as
// after a snapshot: every panel's content, the layout fit, all charts from 60 minutes of
// history, the header, banner and footer. It reads the frame as the full screen does
// (Frame, the model's reused buffer), not as View's string copy of it.
func BenchmarkViewFull(b *testing.B) {
	m, _ := fullHistoryModel(b)
	c := New(Options{Engine: newFakeEngine(), History: m.opts.History, Renderer: trueColorRenderer(), Clock: m.clock})
	b.Cleanup(c.Close)
	c.Update(sizeMsg(200, 60))
	press(c, "3")
	c.Update(SnapshotMsg{build(scAlerts, 720)})
	b.ReportAllocs()
	for b.Loop() {
		c.show(c.shown) // invalidate every cache, keep the data
		_ = c.Frame()
	}
}

// BenchmarkSnapshotColour is BenchmarkSnapshot with a true-colour terminal's escapes.
func BenchmarkSnapshotColour(b *testing.B) {
	m, _ := fullHistoryModel(b)
	c := New(Options{Engine: newFakeEngine(), History: m.opts.History, Renderer: trueColorRenderer(), Clock: m.clock})
	b.Cleanup(c.Close)
	c.Update(sizeMsg(200, 60))
	press(c, "3")
	snaps := []*SnapshotMsg{{build(scAlerts, 720)}, {build(scAlerts, 721)}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Update(*snaps[i%2])
		_ = c.View()
		i++
	}
}

// BenchmarkSnapshot is handling one snapshot message and drawing the next frame: every
// panel, all twelve charts (from 60m of history), the banner and footer.
func BenchmarkSnapshot(b *testing.B) {
	m, _ := fullHistoryModel(b)
	press(m, "3")
	snaps := []*SnapshotMsg{{build(scAlerts, 720)}, {build(scAlerts, 721)}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Update(*snaps[i%2])
		_ = m.View()
		i++
	}
}
