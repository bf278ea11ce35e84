package collector

import (
	"errors"
	"os"
	"sync"
	"syscall"
)

// procFileMax bounds how much of one /proc file is read (a /proc/stat of a 1,024-core
// machine is about 120 KB).
const procFileMax = 4 << 20

// ProcFile is one /proc file kept open and read again from its start at each call:
// procfs makes the content afresh for a read at offset 0, so a collection costs one
// pread instead of an open (with its path walk), reads and a close, and no allocation
// once the buffer has grown to the file's size. A read that returns less than the
// buffer holds is the whole file (procfs fills what it is given). A failed read closes the file, and the
// next call opens it again. It holds the bare descriptor, not an *os.File: File.Fd costs
// an fcntl at every call (it puts the descriptor back in blocking mode).
type ProcFile struct {
	path string

	mu  sync.Mutex
	fd  int // -1 when closed
	buf []byte
}

// NewProcFile returns a reader of path; nothing is opened before the first Read.
func NewProcFile(path string) *ProcFile { return &ProcFile{path: path, fd: -1} }

// Read returns the file's whole current content. The bytes are valid until the next
// Read or Close.
func (p *ProcFile) Read() ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fd < 0 {
		fd, err := openProcFile(p.path)
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: p.path, Err: err}
		}
		p.fd = fd
	}
	if p.buf == nil {
		p.buf = make([]byte, 4096)
	}
	for {
		// One pread: os.File.ReadAt would read again at the end of what it got to see
		// the end of the file, and procfs makes the whole content afresh for that too.
		n, err := preadProcFile(p.fd, p.buf)
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case err != nil:
			syscall.Close(p.fd)
			p.fd = -1
			return nil, &os.PathError{Op: "read", Path: p.path, Err: err}
		case n < len(p.buf):
			return p.buf[:n], nil
		case len(p.buf) >= procFileMax:
			return nil, errors.New(p.path + ": more than 4 MiB")
		}
		// The buffer was filled: the file may be longer. Read it again, whole.
		p.buf = make([]byte, 2*len(p.buf))
	}
}

// Close closes the file.
func (p *ProcFile) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fd < 0 {
		return nil
	}
	err := syscall.Close(p.fd)
	p.fd = -1
	if err != nil {
		return &os.PathError{Op: "close", Path: p.path, Err: err}
	}
	return nil
}

// openProcFile opens path read-only, closed on exec.
func openProcFile(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}
