package collector

import (
	"syscall"
	"unsafe"
)

// preadProcFile reads a /proc file from its start into buf, as a raw system call: procfs
// makes the content from kernel memory and never waits on a device, so the read cannot
// block. Through syscall.Pread the runtime would treat it as a call that may block: wake
// its monitor thread, and when the read took longer than the monitor's 20 µs, hand
// the program's one P to another thread and take it back after, two futex wake-ups.
func preadProcFile(fd int, buf []byte) (int, error) {
	if len(buf) == 0 {
		return 0, nil
	}
	n, _, errno := syscall.RawSyscall6(syscall.SYS_PREAD64, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
