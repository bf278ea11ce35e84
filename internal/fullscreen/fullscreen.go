// Package fullscreen runs a Bubble Tea model on the terminal's alternate screen without
// Bubble Tea's own renderer. That renderer flushes on a ticker at its frame rate, so a
// program that draws once a second still wakes ten or sixty times a second; on the 2-core
// VM where hsi-top's overhead was measured a 10 Hz ticker alone cost 0.15 % of a core,
// half of hsi-top's budget. Here a frame is written right after the message that changed
// the view, at most one per MinInterval (a change sooner is drawn when that interval
// ends), and nothing wakes while nothing happens.
package fullscreen

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"golang.org/x/term"

	"github.com/hsi-top/hsi-top/internal/rawio"
)

// DefaultMinInterval is the least time between two frames unless Options says otherwise:
// 20 frames a second at most, so a held key scrolls smoothly and a burst of messages
// costs one frame.
const DefaultMinInterval = 50 * time.Millisecond

// Options are where Run draws and how often at most.
type Options struct {
	Context context.Context // ends the program when done; nil: never
	// In is the keyboard; nil: standard input, or /dev/tty when standard input is not a
	// terminal (piped).
	In *os.File
	// Out is the terminal drawn on; nil: standard output.
	Out *os.File
	// MinInterval is the least time between two frames; 0: DefaultMinInterval.
	MinInterval time.Duration
}

// Run runs m until it quits, drawing its view full-screen: the terminal in raw mode on
// the alternate screen with the cursor hidden and bracketed paste on, all of it restored
// when Run returns, and also before a panic in the model reaches Bubble Tea, so the
// panic's trace is printed on the normal screen. It returns the model as it was last.
func Run(m tea.Model, o Options) (tea.Model, error) {
	in, closeIn, err := keyboard(o.In)
	if err != nil {
		return m, err
	}
	defer closeIn()
	out := o.Out
	if out == nil {
		out = os.Stdout
	}
	inFd := int(in.Fd())
	state, err := term.MakeRaw(inFd)
	if err != nil {
		return m, fmt.Errorf("terminal: raw mode on %s: %w", in.Name(), err)
	}
	// Frames go to the terminal through a non-blocking file description of its own
	// (rawio.Terminal), when it can be opened; closed after the restore below.
	var w io.Writer = out
	if t, err := rawio.OpenTerminal(out); err == nil {
		defer t.Close()
		w = t
	}
	s := newScreen(w, o.MinInterval, func() { term.Restore(inFd, state) })
	defer s.restore()
	if err := s.write(enterAltScreen + hideCursor + enableBracketedPaste + clearScreen); err != nil {
		return m, fmt.Errorf("terminal: %w", err)
	}
	opts := []tea.ProgramOption{tea.WithoutRenderer(), tea.WithInput(in), tea.WithOutput(out)}
	if o.Context != nil {
		opts = append(opts, tea.WithContext(o.Context))
	}
	p := tea.NewProgram(model{inner: m, s: s}, opts...)
	stop := watchSize(p, int(out.Fd()))
	final, runErr := p.Run()
	stop()
	if fm, ok := final.(model); ok {
		final = fm.inner
	}
	if runErr == nil {
		runErr = s.failure()
	}
	return final, runErr
}

// keyboard returns in, or standard input, or /dev/tty when standard input is not a
// terminal, and what closes what it opened.
func keyboard(in *os.File) (*os.File, func(), error) {
	if in != nil {
		return in, func() {}, nil
	}
	if term.IsTerminal(int(os.Stdin.Fd())) {
		return os.Stdin, func() {}, nil
	}
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return nil, nil, fmt.Errorf("terminal: standard input is not a terminal and /dev/tty cannot be opened: %w", err)
	}
	return tty, func() { tty.Close() }, nil
}

// watchSize sends the terminal's size to p now and on every SIGWINCH, until the
// returned stop is called (after p has ended, so a blocked Send returns).
func watchSize(p *tea.Program, fd int) (stop func()) {
	resized := make(chan os.Signal, 1)
	signal.Notify(resized, syscall.SIGWINCH)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if w, h, err := term.GetSize(fd); err == nil {
				p.Send(tea.WindowSizeMsg{Width: w, Height: h})
			}
			select {
			case <-resized:
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(resized)
		close(done)
		wg.Wait()
	}
}

// screen is the terminal a model is drawn on: its frames, the pace of drawing, and its
// restoration.
type screen struct {
	now         func() time.Time
	minInterval time.Duration

	mu       sync.Mutex // the terminal's output: frames and the restore
	out      io.Writer
	frames   *Frames
	drawnAt  time.Time // when the last frame was drawn
	pending  bool      // a flush is scheduled: later changes wait for it
	restored bool      // the terminal is back to normal: nothing more is drawn
	err      error     // the first failed write
	reset    func()    // restores the keyboard's mode
}

func newScreen(out io.Writer, minInterval time.Duration, reset func()) *screen {
	if minInterval <= 0 {
		minInterval = DefaultMinInterval
	}
	return &screen{now: time.Now, minInterval: minInterval, out: out, frames: NewFrames(out, 0, 0), reset: reset}
}

// flushMsg asks the screen to draw the latest view at the end of a MinInterval.
type flushMsg struct{}

// show draws frame now, or schedules it when the last frame was drawn less than
// MinInterval ago; an unchanged frame draws nothing. The frame is copied before show
// returns.
func (s *screen) show(frame []byte) tea.Cmd {
	if s.pending {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.restored || s.frames.Shows(frame) {
		return nil
	}
	if wait := s.minInterval - s.now().Sub(s.drawnAt); wait > 0 && !s.drawnAt.IsZero() {
		s.pending = true
		return tea.Tick(wait, func(time.Time) tea.Msg { return flushMsg{} })
	}
	s.drawnAt = s.now()
	if err := s.frames.Draw(frame); err != nil {
		s.fail(err)
		return tea.Quit
	}
	return nil
}

// resize passes the terminal's new size to the frames: the next frame is drawn whole.
func (s *screen) resize(width, height int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.frames.Resize(width, height)
}

// write sends a control sequence to the terminal.
func (s *screen) write(seq string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := io.WriteString(s.out, seq)
	return err
}

// fail keeps the first write error; the caller holds mu.
func (s *screen) fail(err error) {
	if s.err == nil {
		s.err = fmt.Errorf("terminal: writing a frame: %w", err)
	}
}

// failure is the first write error, if any.
func (s *screen) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// restore shows the cursor, leaves the alternate screen and restores the keyboard's
// mode, once.
func (s *screen) restore() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.restored {
		return
	}
	s.restored = true
	io.WriteString(s.out, disableBracketedPaste+showCursor+exitAltScreen)
	s.reset()
}

// restoreOnPanic, deferred, restores the terminal before a panic goes on up.
func (s *screen) restoreOnPanic() {
	if r := recover(); r != nil {
		s.restore()
		panic(r)
	}
}

// guard wraps cmd (and the commands of a batch it returns) so that a panic in it
// restores the terminal first.
func (s *screen) guard(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		defer s.restoreOnPanic()
		msg := cmd()
		if batch, ok := msg.(tea.BatchMsg); ok {
			for i := range batch {
				batch[i] = s.guard(batch[i])
			}
		}
		return msg
	}
}

// model wraps the program's model: it draws the inner view after every message that
// changed it. Its own View is empty, as Bubble Tea's renderer is off.
type model struct {
	inner tea.Model
	s     *screen
}

func (m model) Init() tea.Cmd {
	defer m.s.restoreOnPanic()
	return m.s.guard(m.inner.Init())
}

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	defer m.s.restoreOnPanic()
	switch msg := msg.(type) {
	case flushMsg:
		m.s.pending = false
		return m, m.s.show(FrameOf(m.inner))
	case tea.WindowSizeMsg:
		m.s.resize(msg.Width, msg.Height)
	}
	inner, cmd := m.inner.Update(msg)
	m.inner = inner
	return m, tea.Batch(m.s.guard(cmd), m.s.show(FrameOf(inner)))
}

// FrameSource is a model whose view can be read as bytes it keeps, valid until its next
// Update: Run reads a frame from it this way instead of as View's string, so a model that
// draws into a buffer it reuses allocates no frame per draw.
type FrameSource interface {
	Frame() []byte
}

// FrameOf is m's frame as bytes: Frame's when m is a FrameSource, View's otherwise. A
// model that wraps another forwards its Frame with it.
func FrameOf(m tea.Model) []byte {
	if fs, ok := m.(FrameSource); ok {
		return fs.Frame()
	}
	return []byte(m.View())
}

func (m model) View() string { return "" }
