// Package rawio reads and writes sockets and the terminal with raw system calls.
//
// Go's runtime treats every system call made through package syscall as one that may
// block: it wakes its monitor thread (sysmon) when that thread sleeps, and lets it hand
// the program's processor to another thread when the call lasts past one of its checks. A
// wake-up also restarts the monitor's fastest pace: a check every 20 µs while the program
// works, for at least its next fifty checks, where it had slowed to one in 10 ms. A read
// or write on a non-blocking descriptor never blocks (it answers EAGAIN, and the runtime's
// poller waits for the descriptor to be ready), so it can be a raw call. For the
// dashboard's dozen socket exchanges and one frame a second, that (with the state
// keeper's file checks moved to the tick's start: collector.TickStarter) took the process
// from 30 to 12 thread switches a second, and its CPU down by a quarter (README).
//
// Wrap keeps everything else of a connection: deadlines, Close, addresses, and errors
// that read as the net package's (a *net.OpError, net.ErrClosed, os.ErrDeadlineExceeded).
// Listener does the same for the connections a server accepts. Terminal writes to the
// terminal through a file description of its own.
package rawio

import (
	"context"
	"net"
)

// DialFunc is the shape of net.Dialer.DialContext.
type DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// Dialer returns dial with each connection it makes wrapped (Wrap).
func Dialer(dial DialFunc) DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return Wrap(c), nil
	}
}

// Listener returns ln with each connection it accepts wrapped (Wrap).
func Listener(ln net.Listener) net.Listener { return listener{ln} }

type listener struct{ net.Listener }

// Accept waits for the next connection and wraps it.
func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return Wrap(c), nil
}
