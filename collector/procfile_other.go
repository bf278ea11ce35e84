//go:build !linux

package collector

import "syscall"

// preadProcFile reads the file from its start into buf.
func preadProcFile(fd int, buf []byte) (int, error) { return syscall.Pread(fd, buf, 0) }
