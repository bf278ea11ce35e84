//go:build linux

package rawio

import (
	"io"
	"net"
	"os"
	"syscall"
)

// Wrap returns c reading and writing with raw system calls when c is a stream socket of
// this process (a *net.TCPConn, or a *net.UnixConn of type SOCK_STREAM); any other
// connection is returned as it is.
func Wrap(c net.Conn) net.Conn {
	var sc syscall.Conn
	var network string
	switch s := c.(type) {
	case *net.TCPConn:
		sc, network = s, "tcp"
	case *net.UnixConn:
		sc, network = s, "unix"
	default:
		return c
	}
	rc, err := sc.SyscallConn()
	if err != nil || !isStream(rc) {
		return c // a datagram socket: a read of 0 bytes is not its end
	}
	return &conn{Conn: c, rc: rc, network: network}
}

// isStream reports whether the socket is of type SOCK_STREAM.
func isStream(rc syscall.RawConn) bool {
	typ := -1
	if err := rc.Control(func(fd uintptr) {
		typ, _ = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TYPE)
	}); err != nil {
		return false
	}
	return typ == syscall.SOCK_STREAM
}

// conn is a socket connection whose Read and Write are raw system calls.
type conn struct {
	net.Conn
	rc      syscall.RawConn
	network string // for errors, as the net package names it ("tcp", "unix")
}

// Read reads into p what the socket holds, waiting on the network poller while it holds
// nothing.
func (c *conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, err := readRaw(c.rc, p)
	if err != nil {
		return 0, c.opError("read", err)
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// Write writes all of p, waiting on the network poller while the socket's buffer is full.
func (c *conn) Write(p []byte) (int, error) {
	n, err := writeRaw(c.rc, p)
	if err != nil {
		return n, c.opError("write", err)
	}
	return n, nil
}

// CloseWrite shuts down the writing side of the socket, as *net.TCPConn's does (a
// server's graceful close uses it).
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// opError wraps err as the net package does for a failed read or write.
func (c *conn) opError(op string, err error) error {
	if errno, ok := err.(syscall.Errno); ok {
		err = os.NewSyscallError(op, errno)
	}
	return &net.OpError{Op: op, Net: c.network, Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}
