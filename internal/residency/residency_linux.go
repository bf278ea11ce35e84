//go:build linux && (amd64 || arm64)

package residency

import (
	"fmt"
	"os"
	"syscall"
)

// Linux madvise and fadvise advice values (not in package syscall).
const (
	madvRandom      = 1
	madvDontNeed    = 4
	fadvDontNeed    = 4
	procSelfMaps    = "/proc/self/maps"
	procSelfExeLink = "/proc/self/exe"
)

// TrimBinary drops the program's read-only mappings of its own executable from its
// resident set and hands the file's unmapped cached pages back to the kernel, in two
// passes: the second catches the large folios that the first pass's own running code
// mapped again before they could be dropped. It returns how many bytes of mappings it
// advised in a pass.
func TrimBinary() (int, error) {
	n, err := trimPass()
	if err != nil {
		return n, err
	}
	return trimPass()
}

// trimPass advises every read-only mapping of the executable, then the file.
func trimPass() (int, error) {
	maps, err := os.ReadFile(procSelfMaps)
	if err != nil {
		return 0, err
	}
	exe, err := os.Readlink(procSelfExeLink)
	if err != nil {
		return 0, err
	}
	ms := executableMappings(maps, exe)
	if len(ms) == 0 {
		return 0, fmt.Errorf("no read-only mapping of %s in %s", exe, procSelfMaps)
	}
	total := 0
	for _, m := range ms {
		n := m.end - m.start
		if err := madvise(m.start, n, madvRandom); err != nil {
			return total, fmt.Errorf("madvise MADV_RANDOM: %w", err)
		}
		if err := madvise(m.start, n, madvDontNeed); err != nil {
			return total, fmt.Errorf("madvise MADV_DONTNEED: %w", err)
		}
		total += int(n)
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
