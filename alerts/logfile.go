package alerts

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
)

// logQueue is how many lines may wait for the disk; past it lines are dropped (and
// counted) rather than the collector waiting.
const logQueue = 256

// logFile appends one JSON line per raise or clear. Lines are written by a goroutine of
// their own, so a stalled disk or a hung network mount never holds up a collection
// tick. Each line goes out in a single write to a file opened with O_APPEND, so
// concurrent readers (tail -f) and other appenders never see half a line. Errors are
// kept, not returned: alerting must go on when the disk is full or the path is wrong.
type logFile struct {
	path  string
	lines chan []byte
	done  chan struct{}
	start sync.Once

	mu      sync.Mutex
	f       *os.File
	err     error // the first error
	dropped int
	closed  bool
}

func newLogFile(path string) *logFile {
	return &logFile{path: path, lines: make(chan []byte, logQueue), done: make(chan struct{})}
}

// write queues one line; it never blocks.
func (l *logFile) write(line fileLine) {
	b, err := json.Marshal(line)
	if err != nil {
		l.fail(fmt.Errorf("alert log file %s: encoding a line: %w", l.path, err))
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.start.Do(func() { go l.drain() })
	select {
	case l.lines <- append(b, '\n'):
	default:
		l.dropped++
		l.failLocked(fmt.Errorf("alert log file %s: the disk is not keeping up; %d line(s) dropped", l.path, l.dropped))
	}
}

func (l *logFile) drain() {
	defer close(l.done)
	for b := range l.lines {
		l.append(b)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		if err := l.f.Close(); err != nil {
			l.failLocked(fmt.Errorf("alert log file %s: %w", l.path, err))
		}
		l.f = nil
	}
}

func (l *logFile) append(b []byte) {
	l.mu.Lock()
	f := l.f
	l.mu.Unlock()
	if f == nil {
		// Opened on first use, and again after a failure, so a path that becomes
		// writable later (a mounted volume) starts receiving lines.
		var err error
		if f, err = os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err != nil {
			l.fail(fmt.Errorf("alert log file: %w", err))
			return
		}
		l.mu.Lock()
		l.f = f
		l.mu.Unlock()
	}
	if _, err := f.Write(b); err != nil {
		l.fail(fmt.Errorf("alert log file %s: %w", l.path, err))
		l.mu.Lock()
		_ = l.f.Close()
		l.f = nil
		l.mu.Unlock()
	}
}

func (l *logFile) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failLocked(err)
}

func (l *logFile) failLocked(err error) {
	if l.err == nil {
		l.err = err
	}
}

func (l *logFile) firstErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// close writes the queued lines, closes the file and stops the writer.
func (l *logFile) close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.start.Do(func() { close(l.done) }) // never started: nothing to wait for
	close(l.lines)
	l.mu.Unlock()
	<-l.done
	return nil
}
