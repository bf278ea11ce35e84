//go:build linux && (amd64 || arm64)

package residency

import (
	"bufio"
	"fmt"
	"os"
	"syscall"
)

// Linux madvise and fadvise advice values (not in package syscall).
const (
	madvRandom      = 1
	madvDontNeed    = 4
	madvPageout     = 21 // Linux 5.4
	fadvDontNeed    = 4
	procSelfSmaps   = "/proc/self/smaps"
	procSelfExeLink = "/proc/self/exe"
)

// Trim drops from the program's resident set the read-only mappings of its own
// executable and of the shared libraries it maps (libc and the dynamic loader, for a
// cgo build), and hands the executable's unmapped cached pages back to the kernel, in
// two passes: the second catches the large folios that the first pass's own running
// code mapped again before they could be dropped. The libraries' cached pages are not
// dropped: other programs use them. A mapping that holds anonymous pages (a RELRO
// segment, written by relocations before it became read-only) is never advised
// (trimmable). It returns how many bytes of mappings it advised in a pass.
func Trim() (int, error) {
	n, err := trimPass()
	if err != nil {
		return n, err
	}
	return trimPass()
}

// ownMappings reads this process's trimmable mappings: its executable's path, and the
// mappings of it and of the shared libraries (trimmable).
func ownMappings() (exe string, binary, libraries []mapping, err error) {
	if exe, err = os.Readlink(procSelfExeLink); err != nil {
		return "", nil, nil, err
	}
	// Read as it is made, not whole: the file is a few hundred KiB, once a minute on a
	// box without a GPU driver (TrimLibraries after NVML's failed start).
	smaps, err := os.Open(procSelfSmaps)
	if err != nil {
		return "", nil, nil, err
	}
	defer smaps.Close()
	binary, libraries = trimmable(bufio.NewReaderSize(smaps, 16<<10), exe)
	return exe, binary, libraries, nil
}

// trimPass advises every trimmable mapping, then the executable's file.
func trimPass() (int, error) {
	exe, binary, libraries, err := ownMappings()
	if err != nil {
		return 0, err
	}
	if len(binary) == 0 {
		return 0, fmt.Errorf("no read-only mapping of %s without written pages in %s", exe, procSelfSmaps)
	}
	total, err := adviseAll(append(binary, libraries...))
	if err != nil {
		return total, err
	}
	// Code that ran since (this goroutine's, the collector's, the garbage collector's)
	// has mapped pages again, and the page cache still holds them as the large folios
	// the exec's readahead (or the linker's writes) made, which a fault maps whole:
	// MADV_PAGEOUT unmaps and reclaims them in one step, so they too are read back page
	// by page. On a fresh binary's first run: RssFile 11.2 -> 7.9 MiB at 90 s. Kernels
	// before 5.4 answer EINVAL, and the file's POSIX_FADV_DONTNEED below does the rest.
	for _, m := range binary {
		_ = madvise(m.start, m.end-m.start, madvPageout)
	}
	f, err := os.Open(procSelfExeLink)
	if err != nil {
		return total, err
	}
	defer f.Close()
	if err := fadvise(int(f.Fd()), fadvDontNeed); err != nil {
		return total, fmt.Errorf("posix_fadvise POSIX_FADV_DONTNEED: %w", err)
	}
	return total, nil
}

// TrimLibraries drops the shared libraries' read-only pages from the resident set, as
// Trim does, and leaves the executable alone: for after a use of the C library that
// touches much of it once (a dlopen that fails: NVML's start on a box without a driver,
// retried every minute, brings back about 1 MiB of libc and the loader each time). It
// returns how many bytes of mappings it advised.
func TrimLibraries() (int, error) {
	_, _, libraries, err := ownMappings()
	if err != nil {
		return 0, err
	}
	return adviseAll(libraries)
}

// adviseAll marks each mapping random and drops it from the resident set.
func adviseAll(ms []mapping) (int, error) {
	total := 0
	for _, m := range ms {
		n := m.end - m.start
		if err := madvise(m.start, n, madvRandom); err != nil {
			return total, fmt.Errorf("madvise MADV_RANDOM %s: %w", m.path, err)
		}
		if err := madvise(m.start, n, madvDontNeed); err != nil {
			return total, fmt.Errorf("madvise MADV_DONTNEED %s: %w", m.path, err)
		}
		total += int(n)
	}
	return total, nil
}

func madvise(addr, length uintptr, advice int) error {
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, addr, length, uintptr(advice)); e != 0 {
		return e
	}
	return nil
}

func fadvise(fd int, advice int) error {
	if _, _, e := syscall.Syscall6(syscall.SYS_FADVISE64, uintptr(fd), 0, 0, uintptr(advice), 0, 0); e != 0 {
		return e
	}
	return nil
}
