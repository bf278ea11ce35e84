package tui

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// width is the number of terminal cells s occupies, escapes excluded. The dashboard's
// own text is ASCII, SGR sequences and a known set of one-cell symbols (box drawing,
// blocks, the state glyphs), which are counted directly; anything else (a GPU or host
// name in another script, an emoji in an error) takes the full grapheme-aware path.
func width(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0x1b:
			// CSI: ESC [ parameters final-byte (0x40–0x7e).
			if i+1 < len(s) && s[i+1] == '[' {
				j := i + 2
				for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
					j++
				}
				i = j + 1
				continue
			}
			return ansi.StringWidth(s)
		case c < 0x20 || c == 0x7f:
			i++
		case c < 0x80:
			n++
			i++
		case c == 0xe2 && i+2 < len(s) && (s[i+1] >= 0x94 && s[i+1] <= 0x96 || s[i+1] >= 0xa0 && s[i+1] <= 0xa3) && s[i+2] >= 0x80 && s[i+2] <= 0xbf:
			// U+2500–U+25BF (box drawing, blocks, shapes) and U+2800–U+28FF (braille),
			// most of a chart's cells: one cell, without decoding the rune.
			n++
			i += 3
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if !oneCell(r) {
				return ansi.StringWidth(s)
			}
			n++
			i += size
		}
	}
	return n
}

// oneCell reports whether r is one of the symbols the dashboard draws, all one cell wide
// in every terminal with narrow ambiguous widths.
func oneCell(r rune) bool {
	switch {
	case r >= 0x2500 && r <= 0x259f: // box drawing, block elements
		return true
	case r >= 0x25a0 && r <= 0x25ff && r != 0x25fd && r != 0x25fe: // geometric shapes: ▲ ● ▸ (◽◾ are emoji, two cells)
		return true
	case r >= 0x2800 && r <= 0x28ff: // braille
		return true
	}
	switch r {
	case '–', '—', '·', '°', '…', '×', '✔', '✖', '❚', '↑', '↓', '•', '‹', '›', '≤':
		return true
	}
	return false
}

// truncate cuts s to at most n cells, ending in "…" when it had to cut.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if width(s) <= n {
		return s
	}
	return ansi.Truncate(s, n, "…")
}

// fit cuts or pads s to exactly n cells.
func fit(s string, n int) string {
	if n <= 0 {
		return ""
	}
	w := width(s)
	if w > n {
		return ansi.Truncate(s, n, "…")
	}
	if w == n {
		return s
	}
	return s + strings.Repeat(" ", n-w)
}

// spread puts left and right on one line of n cells, right-aligned, cutting left first.
func spread(left, right string, n int) string {
	rw := width(right)
	if rw >= n {
		return truncate(right, n)
	}
	gap := n - rw
	l := truncate(left, gap-1)
	return fit(l, gap) + right
}

// columns joins blocks side by side, each padded to its width, separated by sep.
func columns(blocks [][]string, widths []int, sep string) []string {
	h := 0
	for _, b := range blocks {
		h = max(h, len(b))
	}
	out := make([]string, h)
	for i := 0; i < h; i++ {
		n := len(sep) * (len(blocks) - 1)
		for j, b := range blocks {
			if i < len(b) {
				n += len(b[i])
			}
			n += widths[j]
		}
		var sb strings.Builder
		sb.Grow(n) // one allocation per line (more only for a cell cut short)
		for j, b := range blocks {
			if j > 0 {
				sb.WriteString(sep)
			}
			line := ""
			if i < len(b) {
				line = b[i]
			}
			writeFit(&sb, line, widths[j])
		}
		out[i] = sb.String()
	}
	return out
}

// writeFit writes s to b cut or padded to exactly n cells, as fit returns it.
func writeFit(b *strings.Builder, s string, n int) {
	text, pad := fitted(s, n)
	b.WriteString(text)
	for range pad {
		b.WriteByte(' ')
	}
}

// writeFitBytes is writeFit for a frame's buffer (two functions, not one taking an
// interface: a line's strings.Builder passed as one would escape to the heap).
func writeFitBytes(b *bytes.Buffer, s string, n int) {
	text, pad := fitted(s, n)
	b.WriteString(text)
	for range pad {
		b.WriteByte(' ')
	}
}

// fitted is s cut to n cells, or s and the spaces that pad it to n.
func fitted(s string, n int) (text string, pad int) {
	if n <= 0 {
		return "", 0
	}
	w := width(s)
	if w > n {
		return ansi.Truncate(s, n, "…"), 0
	}
	return s, n - w
}

// box draws lines inside a rounded border of the given outer width, with the title in
// the top border on the left (styled by the caller) and note on the right. Lines are cut to fit; the result
// is exactly max(height, len(lines)+2) lines (height 0: as tall as the content).
func (s *Styles) box(title, note string, lines []string, w, height int) []string {
	b := s.boxBlock(title, note, lines, w, height)
	out := make([]string, b.height)
	var line bytes.Buffer
	for i := range out {
		line.Reset()
		b.writeLine(&line, i)
		out[i] = line.String()
	}
	return out
}

// block is a panel's lines as the dashboard writes them into the frame: either whole
// lines (side empty), or a box whose inner lines are cut or padded to inner cells and
// framed as they are written, so a boxed line is never built on its own first.
type block struct {
	lines       []string
	height      int    // rows; a row past lines is blank (whole lines) or an empty box row
	top, bottom string // a box's borders
	side        string // a box's styled "│"; empty for whole lines
	inner       int
	width       int // cells of every row
}

// boxBlock is box as a block: the same borders, the lines framed when written.
func (s *Styles) boxBlock(title, note string, lines []string, w, height int) block {
	if w < 4 {
		return block{width: max(w, 0)}
	}
	inner := w - 4
	// Top: ╭─ Title ───── note ─╮
	t := truncate(title, max(0, inner-1))
	rest := w - 4 - width(t) // cells between "╭─ " + title and "╮"
	top := s.Border.Render("╭─ ") + t + " "
	rest--
	if note != "" && rest > width(note)+4 {
		fill := rest - width(note) - 3
		top += s.Border.Render(strings.Repeat("─", fill)) + " " + note + " " + s.Border.Render("─╮")
	} else {
		top += s.Border.Render(strings.Repeat("─", max(0, rest)) + "╮")
	}
	return block{
		lines: lines, height: max(height, len(lines)+2), top: top,
		bottom: s.Border.Render("╰" + strings.Repeat("─", w-2) + "╯"),
		side:   s.Border.Render("│"), inner: inner, width: w,
	}
}

// writeLine writes row i of the block, exactly its width.
func (b *block) writeLine(sb *bytes.Buffer, i int) {
	switch {
	case b.side == "":
		if i < len(b.lines) {
			sb.WriteString(b.lines[i])
			return
		}
		for range b.width {
			sb.WriteByte(' ')
		}
	case i == 0:
		sb.WriteString(b.top)
	case i == b.height-1:
		sb.WriteString(b.bottom)
	default:
		line := ""
		if i-1 < len(b.lines) {
			line = b.lines[i-1]
		}
		sb.WriteString(b.side)
		sb.WriteByte(' ')
		writeFitBytes(sb, line, b.inner)
		sb.WriteByte(' ')
		sb.WriteString(b.side)
	}
}

// stripANSI removes escape sequences.
func stripANSI(s string) string { return ansi.Strip(s) }
