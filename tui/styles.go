package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// The palette is Okabe–Ito, safe for the common colour-vision deficiencies: states differ
// in hue and lightness (blue / orange / vermillion), never red against green alone, and
// every state also has a glyph and a word. Each colour adapts to light and dark backgrounds.
var (
	colOK     = lipgloss.AdaptiveColor{Light: "#0060A0", Dark: "#56B4E9"}
	colWarn   = lipgloss.AdaptiveColor{Light: "#8F5E00", Dark: "#E69F00"}
	colCrit   = lipgloss.AdaptiveColor{Light: "#B34700", Dark: "#FF6E2E"}
	colMuted  = lipgloss.AdaptiveColor{Light: "#6C6C6C", Dark: "#8A8A8A"}
	colAccent = lipgloss.AdaptiveColor{Light: "#6A3D9A", Dark: "#CC79A7"}
	colChart  = lipgloss.AdaptiveColor{Light: "#00755A", Dark: "#009E73"}
	colBorder = lipgloss.AdaptiveColor{Light: "#8A8A8A", Dark: "#5E5E5E"}
	colTitle  = lipgloss.AdaptiveColor{Light: "#1A1A1A", Dark: "#F0F0F0"}
)

// level is a state's severity, which decides its glyph, word and colour. Levels are
// ordered so that max gives the worst.
type level int

const (
	lvOK level = iota
	lvInfo
	lvUnknown
	lvWarn
	lvCrit
)

// glyphs are shape cues that survive NO_COLOR and colour blindness.
var glyphs = [...]string{lvOK: "✔", lvInfo: "●", lvWarn: "▲", lvCrit: "✖", lvUnknown: "?"}

// Styles holds every style the UI draws with, built from one renderer so NO_COLOR (the
// ASCII profile) removes every colour escape at once.
type Styles struct {
	Level      [5]sty
	Muted      sty
	Dim        sty
	Bold       sty
	Title      sty
	Border     sty
	Accent     sty
	Chart      sty
	RangeOn    sty
	RangeOff   sty
	BannerCrit sty
	BannerWarn sty
	Key        sty
	Help       sty
}

// newStyles builds the styles on r. With the ASCII profile every Render returns plain text.
func newStyles(r *lipgloss.Renderer) *Styles {
	s := &Styles{}
	fg := func(c lipgloss.TerminalColor) lipgloss.Style { return r.NewStyle().Foreground(c) }
	mk := newSty
	s.Level[lvOK] = mk(fg(colOK))
	s.Level[lvInfo] = mk(fg(colAccent))
	s.Level[lvWarn] = mk(fg(colWarn).Bold(true))
	s.Level[lvCrit] = mk(fg(colCrit).Bold(true))
	s.Level[lvUnknown] = mk(fg(colMuted))
	s.Muted = mk(fg(colMuted))
	s.Dim = mk(r.NewStyle().Faint(true))
	s.Bold = mk(r.NewStyle().Bold(true))
	s.Title = mk(fg(colTitle).Bold(true))
	s.Border = mk(fg(colBorder))
	s.Accent = mk(fg(colAccent))
	s.Chart = mk(fg(colChart))
	s.RangeOn = mk(r.NewStyle().Bold(true).Reverse(true))
	s.RangeOff = mk(fg(colMuted))
	s.BannerCrit = mk(fg(colCrit).Bold(true))
	s.BannerWarn = mk(fg(colWarn).Bold(true))
	s.Key = mk(fg(colAccent).Bold(true))
	s.Help = mk(fg(colMuted))
	return s
}

// state renders a glyph and word in the level's style: "✔ healthy".
func (s *Styles) state(lv level, word string) string {
	return s.Level[lv].Render(glyphs[lv] + " " + word)
}

// statusLevel maps the snapshot's status words to a level.
func statusLevel(status string) level {
	switch status {
	case "healthy", "running", "ok":
		return lvOK
	case "loading", "starting", "restarting":
		return lvInfo
	case "degraded", "unhealthy", "stopped", "warning":
		return lvWarn
	case "unreachable", "crashed", "failed", "critical", "exited":
		return lvCrit
	}
	return lvUnknown
}

// sty is a style whose escape sequences are computed once: rendering a one-line string
// is then a concatenation instead of a full lipgloss render (which measures, splits and
// re-joins the text on every call). Multi-line text still goes through lipgloss.
type sty struct {
	lipgloss.Style
	pre, suf string
}

func newSty(st lipgloss.Style) sty {
	out := sty{Style: st}
	// 'X' never occurs in an SGR sequence, so it splits the rendering into the
	// opening and closing sequences.
	if pre, suf, ok := strings.Cut(st.Render("X"), "X"); ok {
		out.pre, out.suf = pre, suf
	}
	return out
}

// Render styles s.
func (t sty) Render(s string) string {
	if strings.IndexByte(s, '\n') >= 0 {
		return t.Style.Render(s)
	}
	if t.pre == "" && t.suf == "" {
		return s
	}
	return t.pre + s + t.suf
}

// open and close write the style's escapes around text written to b between them
// (one-line text only); a style without escapes writes nothing.
func (t *sty) open(b *strings.Builder)  { b.WriteString(t.pre) }
func (t *sty) close(b *strings.Builder) { b.WriteString(t.suf) }

// chartStyle is a chart run's style: the chart colour while the value is fine, the
// level's colour from the rule's warning level up.
func (s *Styles) chartStyle(lv level) *sty {
	if lv == lvWarn || lv == lvCrit {
		return &s.Level[lv]
	}
	return &s.Chart
}
