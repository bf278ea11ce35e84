package fullscreen

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

func TestFirstFrameIsDrawnWholeThenOnlyChangedLines(t *testing.T) {
	var out bytes.Buffer
	f := NewFrames(&out, 10, 3)
	if err := f.Draw([]byte("aaa\nbbb\nccc")); err != nil {
		t.Fatal(err)
	}
	want := "\x1b[1;1Haaa\x1b[K\x1b[2;1Hbbb\x1b[K\x1b[3;1Hccc\x1b[K"
	if got := out.String(); got != want {
		t.Fatalf("first frame wrote %q, want %q", got, want)
	}
	out.Reset()
	f.Draw([]byte("aaa\nBBB\nccc"))
	if got, want := out.String(), "\x1b[2;1HBBB\x1b[K"; got != want {
		t.Fatalf("a frame with line 2 changed wrote %q, want %q", got, want)
	}
	out.Reset()
	f.Draw([]byte("aaa\nBBB\nccc"))
	if out.Len() != 0 {
		t.Fatalf("an unchanged frame wrote %q, want nothing", out.String())
	}
}

// A caller may draw its next frame into the same storage: Frames compares against its
// own copy of what it drew.
func TestFrameStorageMayBeReused(t *testing.T) {
	var out bytes.Buffer
	f := NewFrames(&out, 10, 3)
	frame := []byte("aaa\nbbb\nccc")
	f.Draw(frame)
	if !f.Shows(frame) {
		t.Fatal("Shows is false for the frame just drawn")
	}
	copy(frame, "aaa\nBBB\nccc")
	if f.Shows(frame) {
		t.Fatal("Shows is true for a frame rewritten in place")
	}
	out.Reset()
	f.Draw(frame)
	if got, want := out.String(), "\x1b[2;1HBBB\x1b[K"; got != want {
		t.Fatalf("a frame rewritten in place with line 2 changed wrote %q, want %q", got, want)
	}
	frame = append(frame[:0], "aaa"...)
	out.Reset()
	f.Draw(frame)
	if got, want := out.String(), "\x1b[2;1H\x1b[J"; got != want {
		t.Fatalf("a one-line frame in the same storage wrote %q, want %q", got, want)
	}
	f.Resize(10, 3)
	if f.Shows(frame) {
		t.Fatal("Shows is true after a resize, which draws the next frame whole")
	}
}

func TestShorterFrameErasesBelowItsLastLine(t *testing.T) {
	var out bytes.Buffer
	f := NewFrames(&out, 10, 5)
	f.Draw([]byte("a\nb\nc"))
	out.Reset()
	f.Draw([]byte("a"))
	if got, want := out.String(), "\x1b[2;1H\x1b[J"; got != want {
		t.Fatalf("wrote %q, want %q", got, want)
	}
}

func TestLinesAreCutToTheTerminal(t *testing.T) {
	var out bytes.Buffer
	f := NewFrames(&out, 4, 2)
	f.Draw([]byte("abcdefgh\nabcd\nxy\nhidden"))
	got := out.String()
	// The first line is cut to 4 cells and, filling the row, gets no erase; so does the
	// second; the third and fourth are below the 2-row screen.
	want := "\x1b[1;1Habcd\x1b[2;1Habcd"
	if got != want {
		t.Fatalf("wrote %q, want %q", got, want)
	}
	out.Reset()
	f.Draw([]byte("\x1b[31mabcdefgh\x1b[0m"))
	if got := out.String(); !strings.HasPrefix(got, "\x1b[1;1H\x1b[31mabcd") || strings.Contains(got, "efgh") {
		t.Fatalf("a styled line was not cut to 4 cells: %q", got)
	}
}

func TestResizeClearsAndDrawsEverything(t *testing.T) {
	var out bytes.Buffer
	f := NewFrames(&out, 10, 3)
	f.Draw([]byte("a\nb"))
	out.Reset()
	f.Resize(20, 5)
	f.Draw([]byte("a\nb"))
	if got, want := out.String(), "\x1b[2J\x1b[1;1Ha\x1b[K\x1b[2;1Hb\x1b[K"; got != want {
		t.Fatalf("after a resize wrote %q, want %q", got, want)
	}
}

// counter is a model whose view is the number of keys it was sent.
type counter struct{ keys int }

func (c counter) Init() tea.Cmd { return nil }
func (c counter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyMsg); ok {
		c.keys++
	}
	return c, nil
}
func (c counter) View() string { return strings.Repeat("k", c.keys) + "\nend" }

// testScreen is a screen on a buffer with a clock the test moves.
func testScreen(now *time.Time) (*screen, *bytes.Buffer) {
	var out bytes.Buffer
	s := newScreen(&out, 50*time.Millisecond, func() {})
	s.now = func() time.Time { return *now }
	s.resize(20, 5)
	return s, &out
}

func TestFramesSoonerThanTheIntervalWaitForIt(t *testing.T) {
	now := time.Unix(1000, 0)
	s, out := testScreen(&now)
	var m tea.Model = model{inner: counter{}, s: s}
	key := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")}

	m, cmd := m.Update(key)
	if cmd != nil || !strings.Contains(out.String(), "k\x1b[K") {
		t.Fatalf("the first change was not drawn at once: cmd %v, wrote %q", cmd != nil, out.String())
	}
	out.Reset()
	now = now.Add(10 * time.Millisecond)
	m, cmd = m.Update(key)
	if out.Len() != 0 || cmd == nil {
		t.Fatalf("a change 10 ms later was drawn at once (%q) or not scheduled (%v)", out.String(), cmd != nil)
	}
	m, cmd2 := m.Update(key) // a third change while the flush is pending: no second timer
	if cmd2 != nil || out.Len() != 0 {
		t.Fatal("a change while a flush was pending scheduled another or drew")
	}
	now = now.Add(40 * time.Millisecond)
	m, _ = m.Update(flushMsg{})
	if got := out.String(); !strings.Contains(got, "kkk\x1b[K") {
		t.Fatalf("the flush did not draw the latest view (3 keys): %q", got)
	}
	out.Reset()
	now = now.Add(time.Second)
	m.Update(tea.WindowSizeMsg{Width: 30, Height: 5})
	if !strings.HasPrefix(out.String(), clearScreen) {
		t.Fatalf("a resize did not redraw the screen whole: %q", out.String())
	}
	if _, ok := m.(model); !ok {
		t.Fatal("Update did not return the wrapper")
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("EIO") }

func TestAFailedWriteQuitsWithTheReason(t *testing.T) {
	s := newScreen(failingWriter{}, time.Millisecond, func() {})
	var m tea.Model = model{inner: counter{}, s: s}
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")})
	if cmd == nil {
		t.Fatal("a failed write did not quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("the command after a failed write is not tea.Quit")
	}
	if err := s.failure(); err == nil || !strings.Contains(err.Error(), "EIO") {
		t.Fatalf("failure() = %v, want the write's error", err)
	}
}

// panicky panics on any key.
type panicky struct{ counter }

func (p panicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyMsg); ok {
		panic("boom")
	}
	return p, nil
}

func TestAPanicRestoresTheTerminalFirst(t *testing.T) {
	var out bytes.Buffer
	reset := 0
	s := newScreen(&out, time.Millisecond, func() { reset++ })
	m := model{inner: panicky{}, s: s}
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v, want the model's panic to go on up", r)
			}
		}()
		m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")})
	}()
	if !strings.HasSuffix(out.String(), showCursor+exitAltScreen) || reset != 1 {
		t.Fatalf("the terminal was not restored before the panic went on: wrote %q, keyboard reset %d times", out.String(), reset)
	}
	s.restore()
	if reset != 1 {
		t.Fatal("restore ran twice")
	}
	// Nothing is drawn on the normal screen after the restore.
	out.Reset()
	s.show([]byte("late frame"))
	if out.Len() != 0 {
		t.Fatalf("drew %q after the restore", out.String())
	}
}

func TestGuardedCommandRestoresOnPanic(t *testing.T) {
	var out bytes.Buffer
	s := newScreen(&out, time.Millisecond, func() {})
	inner := func() tea.Msg { panic("cmd boom") }
	batch := s.guard(func() tea.Msg { return tea.BatchMsg{inner} })
	msg := batch().(tea.BatchMsg)
	func() {
		defer func() { recover() }()
		msg[0]()
	}()
	if !strings.HasSuffix(out.String(), exitAltScreen) {
		t.Fatalf("a panic in a batched command did not restore the terminal: %q", out.String())
	}
}
