package alerts

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
)

// logFile appends one JSON line per raise or clear. Each line goes out in a single
// write to a file opened with O_APPEND, so concurrent readers (tail -f) and other
// appenders never see half a line. Errors are kept, not returned: alerting must go on
// when the disk is full or the path is wrong.
type logFile struct {
	path string

	mu  sync.Mutex
	f   *os.File
	err error // the first error
}

func (l *logFile) write(line fileLine) {
	b, err := json.Marshal(line)
	if err != nil {
		l.fail(fmt.Errorf("alert log file %s: encoding a line: %w", l.path, err))
		return
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		// Opened on first use, and again after a failure, so a path that becomes
		// writable later (a mounted volume) starts receiving lines.
		f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			l.failLocked(fmt.Errorf("alert log file: %w", err))
			return
		}
		l.f = f
	}
	if _, err := l.f.Write(b); err != nil {
		l.failLocked(fmt.Errorf("alert log file %s: %w", l.path, err))
		_ = l.f.Close()
		l.f = nil
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

func (l *logFile) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	if err != nil {
		return fmt.Errorf("alert log file %s: %w", l.path, err)
	}
	return nil
}
