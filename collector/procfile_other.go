//go:build !linux

package collector

import "syscall"

// openProcFile opens path read-only, closed on exec.
func openProcFile(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// preadProcFile reads the file from its start into buf.
func preadProcFile(fd int, buf []byte) (int, error) { return syscall.Pread(fd, buf, 0) }
