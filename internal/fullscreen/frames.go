package fullscreen

import (
	"bytes"
	"io"
	"strconv"
	"unsafe"

	"github.com/charmbracelet/x/ansi"
)

// Terminal control sequences the screen uses.
const (
	enterAltScreen = "\x1b[?1049h"
	exitAltScreen  = "\x1b[?1049l"
	hideCursor     = "\x1b[?25l"
	showCursor     = "\x1b[?25h"
	clearScreen    = "\x1b[2J"
	eraseLineRight = "\x1b[K"
	eraseBelow     = "\x1b[J"
	// Bracketed paste, as Bubble Tea's renderer turns on: a paste arrives as one
	// key message marked Paste, so pasted text is never taken for keys ("q" quits).
	enableBracketedPaste  = "\x1b[?2004h"
	disableBracketedPaste = "\x1b[?2004l"
)

// Frames writes whole-screen frames to a terminal in the alternate screen, each time
// only the lines that differ from the frame before, each placed by an absolute cursor
// move so a skipped line costs nothing. It keeps its own copy of the frame on the
// terminal, in buffers it reuses, so the caller may reuse the frame's storage.
type Frames struct {
	out           io.Writer
	width, height int
	shown         []byte   // the frame on the terminal now
	last          [][]byte // its lines (into shown); nil: unknown, draw all
	lines         [][]byte // the frame being drawn, split
	clear         bool     // clear the screen before the next frame (after a resize)
	buf           bytes.Buffer
}

// NewFrames returns a Frames writing to out, a terminal of width×height cells (0 when
// unknown: lines are then neither cut nor limited).
func NewFrames(out io.Writer, width, height int) *Frames {
	return &Frames{out: out, width: width, height: height}
}

// Resize records the terminal's new size; the next frame clears the screen and is drawn
// whole, as the terminal may have reflowed or dropped what was there.
func (f *Frames) Resize(width, height int) {
	f.width, f.height = width, height
	f.last, f.clear = nil, true
}

// Shows says whether frame is what the terminal shows now, so drawing it would write
// nothing.
func (f *Frames) Shows(frame []byte) bool {
	return f.last != nil && !f.clear && bytes.Equal(frame, f.shown)
}

// Draw writes frame, lines separated by "\n". Lines past the terminal's height are
// left out and lines wider than it are cut, so the terminal never scrolls or wraps.
// A frame equal to the last one writes nothing. Draw keeps no reference to frame.
func (f *Frames) Draw(frame []byte) error {
	f.lines = splitLines(f.lines[:0], frame)
	lines := f.lines
	if f.height > 0 && len(lines) > f.height {
		lines = lines[:f.height]
	}
	f.buf.Reset()
	if f.clear {
		f.buf.WriteString(clearScreen)
		f.clear = false
	}
	for i, line := range lines {
		if f.last != nil && i < len(f.last) && bytes.Equal(f.last[i], line) {
			continue
		}
		f.moveTo(i)
		f.writeLine(line)
	}
	if f.last != nil && len(lines) < len(f.last) {
		f.moveTo(len(lines))
		f.buf.WriteString(eraseBelow)
	}
	// Keep a copy: the shown frame and its lines, cut at the same places.
	f.shown = append(f.shown[:0], frame...)
	f.last = splitLines(f.last[:0], f.shown)[:len(lines)]
	if f.buf.Len() == 0 {
		return nil
	}
	_, err := f.out.Write(f.buf.Bytes())
	return err
}

// splitLines appends frame's lines (without their "\n") to dst.
func splitLines(dst [][]byte, frame []byte) [][]byte {
	for {
		i := bytes.IndexByte(frame, '\n')
		if i < 0 {
			return append(dst, frame)
		}
		dst = append(dst, frame[:i])
		frame = frame[i+1:]
	}
}

// moveTo puts the cursor at the start of row (0-based).
func (f *Frames) moveTo(row int) {
	f.buf.WriteString("\x1b[")
	f.buf.WriteString(strconv.Itoa(row + 1))
	f.buf.WriteString(";1H")
}

// writeLine writes one line cut to the width and erases the rest of the row. A line
// that fills the row is not followed by an erase: with the cursor parked past the last
// column, some terminals would erase that last cell.
func (f *Frames) writeLine(line []byte) {
	// A view of line for the width functions, which keep no reference to it.
	text := unsafe.String(unsafe.SliceData(line), len(line))
	w := ansi.StringWidth(text)
	if f.width > 0 && w > f.width {
		f.buf.WriteString(ansi.Truncate(text, f.width, ""))
		w = f.width
	} else {
		f.buf.Write(line)
	}
	if f.width == 0 || w < f.width {
		f.buf.WriteString(eraseLineRight)
	}
}
