//go:build !linux

package rawio

import (
	"errors"
	"net"
	"os"
)

// Wrap returns c: raw system calls are used on Linux only.
func Wrap(c net.Conn) net.Conn { return c }

// Terminal is not available outside Linux.
type Terminal struct{}

// OpenTerminal fails outside Linux: the caller writes to the file it has.
func OpenTerminal(*os.File) (*Terminal, error) {
	return nil, errors.New("raw terminal writes are implemented on Linux only")
}

// Write writes nothing.
func (*Terminal) Write([]byte) (int, error) { return 0, errors.ErrUnsupported }

// Close does nothing.
func (*Terminal) Close() error { return nil }
