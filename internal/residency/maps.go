package residency

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
)

// mapping is one read-only, private mapping of a file that can be trimmed.
type mapping struct {
	start, end uintptr
	path       string
}

// trimmable reads /proc/self/smaps ("start-end perms offset dev inode path" per mapping,
// then its "Key: value kB" lines) and returns the read-only, private mappings of files
// that hold no anonymous page: those of exe, and those of other files (the shared
// libraries). A mapping with anonymous pages was written before it became read-only —
// the relocations of a shared library's or a position-independent executable's RELRO
// segment — and MADV_DONTNEED would throw those writes away; it is left alone.
func trimmable(smaps io.Reader, exe string) (binary, libraries []mapping) {
	var cur *mapping
	anon := false
	flush := func() {
		if cur != nil && !anon {
			if cur.path == exe {
				binary = append(binary, *cur)
			} else {
				libraries = append(libraries, *cur)
			}
		}
		cur, anon = nil, false
	}
	sc := bufio.NewScanner(smaps)
	for sc.Scan() {
		line := sc.Bytes() // most lines are a mapping's "Key: value"s: read in place
		if rest, ok := bytes.CutPrefix(line, []byte("Anonymous:")); ok {
			if kb, err := strconv.ParseUint(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 10, 64); err != nil || kb > 0 {
				anon = true // unreadable counts as written: such a mapping is left alone
			}
			continue
		}
		if first, _, _ := bytes.Cut(line, []byte(" ")); bytes.HasSuffix(first, []byte(":")) {
			continue // another "Key: value" line
		}
		f := strings.Fields(string(line))
		if len(f) < 5 || !strings.Contains(f[0], "-") || strings.HasSuffix(f[0], ":") {
			continue // garbage
		}
		flush()
		if m, ok := parseMapping(f); ok {
			cur = &m
		}
	}
	flush()
	return binary, libraries
}

// parseMapping reads the fields of one mapping's header line; ok is false unless it is
// a read-only, private mapping of a file (an absolute path).
func parseMapping(f []string) (mapping, bool) {
	if len(f) < 6 {
		return mapping{}, false
	}
	path, perms := strings.Join(f[5:], " "), f[1]
	if len(perms) < 4 || perms[1] == 'w' || perms[3] != 'p' || !strings.HasPrefix(path, "/") || strings.HasSuffix(path, " (deleted)") {
		return mapping{}, false
	}
	lo, hi, ok := strings.Cut(f[0], "-")
	if !ok {
		return mapping{}, false
	}
	start, err1 := strconv.ParseUint(lo, 16, 64)
	end, err2 := strconv.ParseUint(hi, 16, 64)
	if err1 != nil || err2 != nil || end <= start {
		return mapping{}, false
	}
	return mapping{uintptr(start), uintptr(end), path}, true
}
