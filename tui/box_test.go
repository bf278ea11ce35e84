package tui

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestWidthMatchesAnsi checks the fast path against the grapheme-aware one.
func TestWidthMatchesAnsi(t *testing.T) {
	for _, s := range []string{
		"", "abc", "│ ✔ 8/8 Running │", "\x1b[38;2;1;2;3mhot\x1b[0m 82°C", "▁▂▃▄▅▆▇█ max 5 ms", "╭─ GPU · 5m ─╮",
		"ホスト名", "GPU 😀 name", "tab\there", "❚❚ Paused – ×", "\x1b[1m\x1b[7m[5m]\x1b[0m",
	} {
		if got, want := width(s), ansi.StringWidth(s); got != want {
			t.Errorf("width(%q) = %d, ansi says %d", s, got, want)
		}
	}
}

// TestWidthOfEveryChartSymbol checks the three-byte fast path rune by rune over the
// ranges it takes (box drawing, blocks, shapes, braille), and cut-off sequences.
func TestWidthOfEveryChartSymbol(t *testing.T) {
	for _, span := range [][2]rune{{0x2500, 0x25ff}, {0x2800, 0x28ff}} {
		for r := span[0]; r <= span[1]; r++ {
			s := "a" + string(r) + "b"
			if got, want := width(s), ansi.StringWidth(s); got != want {
				t.Errorf("width(%q) = %d, ansi says %d", s, got, want)
			}
		}
	}
	for _, s := range []string{"\xe2\x94", "x\xe2\x94", "\xe2\x94\x7f", "\xe2\xa4\x80"} {
		if got, want := width(s), ansi.StringWidth(s); got != want {
			t.Errorf("width(%q) = %d, ansi says %d", s, got, want)
		}
	}
}
