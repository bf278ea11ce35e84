//go:build linux

package rawio

import (
	"syscall"
	"unsafe"
)

// readRaw reads once into p (not empty) from rc's descriptor, waiting on the poller while
// it has nothing to give. n is 0 at the end of a stream.
func readRaw(rc syscall.RawConn, p []byte) (n int, err error) {
	var errno syscall.Errno
	err = rc.Read(func(fd uintptr) bool {
		for {
			r, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
			switch e {
			case 0:
				n = int(r)
				raceAcquire(fd)
				return true
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false // nothing yet: the poller waits (and honours the deadline)
			default:
				errno = e
				return true
			}
		}
	})
	if err == nil && errno != 0 {
		err = errno
	}
	return n, err
}

// writeRaw writes all of p to rc's descriptor, waiting on the poller while its buffer is
// full. On an error n is what was written before it.
func writeRaw(rc syscall.RawConn, p []byte) (n int, err error) {
	var errno syscall.Errno
	err = rc.Write(func(fd uintptr) bool {
		raceReleaseMerge(fd)
		for n < len(p) {
			r, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&p[n])), uintptr(len(p)-n))
			switch e {
			case 0:
				n += int(r)
			case syscall.EINTR:
			case syscall.EAGAIN:
				return false
			default:
				errno = e
				return true
			}
		}
		return true
	})
	if err == nil && errno != 0 {
		err = errno
	}
	return n, err
}
