//go:build linux

package rawio

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a pseudo-terminal: its master, and its slave as standard output is (a
// blocking descriptor, os.NewFile).
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	var n, unlock uint32
	rc, _ := m.SyscallConn()
	var errno syscall.Errno
	rc.Control(func(fd uintptr) {
		if _, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); errno != 0 {
			return
		}
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n)))
	})
	if errno != 0 {
		t.Skipf("pseudo-terminal setup: %v", errno)
	}
	name := "/dev/pts/" + strconv.Itoa(int(n))
	sfd, err := syscall.Open(name, syscall.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("opening the pseudo-terminal's slave: %v", err)
	}
	s := os.NewFile(uintptr(sfd), name)
	t.Cleanup(func() { s.Close() })
	return m, s
}

// What is written through a Terminal arrives on the terminal; the file it was opened
// from stays blocking.
func TestTerminalWrites(t *testing.T) {
	master, slave := openPTY(t)
	term, err := OpenTerminal(slave)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := term.Write([]byte("frame")); n != 5 || err != nil {
		t.Fatalf("write: %d %v", n, err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(master, buf); err != nil || string(buf) != "frame" {
		t.Fatalf("the terminal got %q %v", buf, err)
	}
	if err := term.Close(); err != nil {
		t.Fatal(err)
	}
	rc, _ := slave.SyscallConn()
	var flags int
	rc.Control(func(fd uintptr) {
		f, _, _ := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
		flags = int(f)
	})
	if flags&syscall.O_NONBLOCK != 0 {
		t.Error("the original file was left non-blocking")
	}
}

// A file that is not a terminal is refused: the caller keeps writing to it.
func TestTerminalRefusesOtherFiles(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := OpenTerminal(f); err == nil {
		t.Error("a regular file was opened as a terminal")
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if _, err := OpenTerminal(null); err == nil {
		t.Error("/dev/null was opened as a terminal")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if _, err := OpenTerminal(w); err == nil {
		t.Error("a pipe was opened as a terminal")
	}
}
