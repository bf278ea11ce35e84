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
