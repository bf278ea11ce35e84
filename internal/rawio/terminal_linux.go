//go:build linux

package rawio

import (
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/term"
)

// Terminal writes to the terminal that a file is open on, through a file description of
// its own: the runtime opens it non-blocking and registers it with its poller, so a write
// is one raw system call, and a terminal that takes no more output for a while (a slow
// link, a screen paused with Ctrl-S) parks the writing goroutine on the poller instead of
// holding a thread. The file it was opened from is left as it was: blocking, as the shell
// and any other program sharing it expect.
type Terminal struct {
	f  *os.File
	rc syscall.RawConn
}

// OpenTerminal opens the terminal out is open on once more, by its /proc/self/fd entry.
// It fails when out is not a terminal or the entry cannot be opened.
func OpenTerminal(out *os.File) (*Terminal, error) {
	st, err := out.Stat()
	if err != nil {
		return nil, err
	}
	fd, ok := descriptor(out)
	if !ok {
		return nil, fmt.Errorf("%s has no descriptor", out.Name())
	}
	if st.Mode()&os.ModeCharDevice == 0 || !term.IsTerminal(fd) {
		return nil, fmt.Errorf("%s is not a terminal", out.Name())
	}
	f, err := os.OpenFile("/proc/self/fd/"+strconv.Itoa(fd), os.O_WRONLY|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	again, err := f.Stat()
	if err != nil || !os.SameFile(st, again) {
		f.Close()
		return nil, fmt.Errorf("reopening %s gave another file", out.Name())
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Terminal{f: f, rc: rc}, nil
}

// descriptor is f's descriptor, read through its RawConn: File.Fd would put it in
// blocking mode.
func descriptor(f *os.File) (int, bool) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, false
	}
	fd := -1
	if rc.Control(func(d uintptr) { fd = int(d) }) != nil || fd < 0 {
		return 0, false
	}
	return fd, true
}

// Write writes all of p to the terminal.
func (t *Terminal) Write(p []byte) (int, error) {
	n, err := writeRaw(t.rc, p)
	if err != nil {
		return n, &os.PathError{Op: "write", Path: t.f.Name(), Err: err}
	}
	return n, nil
}

// Close closes the terminal's own file description.
func (t *Terminal) Close() error { return t.f.Close() }
