// Package rawio reads and writes sockets and the terminal with raw system calls.
//
// Go's runtime treats every system call made through package syscall as one that may
// block: it wakes its monitor thread (sysmon) when that thread sleeps, and while the
// call lasts it lets the monitor hand the program's processor to another thread. A
// wake-up also restarts the monitor's fastest pace, a check every 20 µs for as long as
// the program runs, where it otherwise slows to one check in 10 ms. A read or write on
// a non-blocking descriptor never blocks (it answers EAGAIN, and the network poller
// waits for it to be ready), so for the collector's dozen short exchanges a second and
// the dashboard's one frame, the runtime's bookkeeping cost more than the calls.
//
// Wrap keeps everything else of a connection: deadlines, Close, addresses, and errors
// that read as the net package's (a *net.OpError, net.ErrClosed, os.ErrDeadlineExceeded).
// Terminal writes to the terminal through a file description of its own.
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
