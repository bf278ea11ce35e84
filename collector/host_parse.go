package collector

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/shirou/gopsutil/v4/cpu"
)

// userHZ is the unit of /proc/stat's CPU times: 1/100 s on every Linux ABI.
const userHZ = 100

// ParseCPUTimes reads the per-core lines ("cpu0 …") of /proc/stat into dst, reused, in
// seconds. Fields a kernel does not have are 0. The CPU names are left empty: nothing
// reads them, and they would be an allocation per core per tick.
func ParseCPUTimes(b []byte, dst []cpu.TimesStat) ([]cpu.TimesStat, error) {
	dst = dst[:0]
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		name, rest := nextField(line)
		if len(name) <= 3 || !bytes.HasPrefix(name, []byte("cpu")) || name[3] < '0' || name[3] > '9' {
			continue
		}
		var v [10]float64
		for i := range v {
			var f []byte
			if f, rest = nextField(rest); f == nil {
				break
			}
			n, ok := parseUint(f)
			if !ok {
				return dst, fmt.Errorf("/proc/stat: %s: field %d is %q, not a number", name, i+1, f)
			}
			v[i] = float64(n) / userHZ
		}
		dst = append(dst, cpu.TimesStat{User: v[0], Nice: v[1], System: v[2], Idle: v[3], Iowait: v[4],
			Irq: v[5], Softirq: v[6], Steal: v[7], Guest: v[8], GuestNice: v[9]})
	}
	if len(dst) == 0 {
		return dst, errors.New("/proc/stat: no per-CPU lines")
	}
	return dst, nil
}

// ParseMeminfo returns /proc/meminfo's MemTotal and the memory available to start new
// work, in bytes: MemAvailable, or on kernels older than 3.14 (which lack it) MemFree +
// Buffers + Cached.
func ParseMeminfo(b []byte) (total, available uint64, err error) {
	var free, buffers, cached uint64
	var haveTotal, haveAvail bool
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		key := line[:colon]
		field, _ := nextField(line[colon+1:])
		kb, ok := parseUint(field)
		if !ok {
			continue
		}
		switch string(key) {
		case "MemTotal":
			total, haveTotal = kb*1024, true
		case "MemAvailable":
			available, haveAvail = kb*1024, true
		case "MemFree":
			free = kb * 1024
		case "Buffers":
			buffers = kb * 1024
		case "Cached":
			cached = kb * 1024
		}
	}
	if !haveTotal {
		return 0, 0, errors.New("/proc/meminfo: no MemTotal")
	}
	if !haveAvail {
		available = min(total, free+buffers+cached)
	}
	return total, available, nil
}

// ParseLoadavg returns the 1, 5 and 15 minute load averages of /proc/loadavg.
func ParseLoadavg(b []byte) ([3]float64, error) {
	var out [3]float64
	rest := b
	for i := range out {
		var f []byte
		f, rest = nextField(rest)
		v, err := strconv.ParseFloat(string(f), 64)
		if err != nil {
			return out, fmt.Errorf("/proc/loadavg: %q", bytes.TrimSpace(b))
		}
		out[i] = v
	}
	return out, nil
}

// ParseUptime returns the seconds since boot, /proc/uptime's first number.
func ParseUptime(b []byte) (float64, error) {
	f, _ := nextField(b)
	v, err := strconv.ParseFloat(string(f), 64)
	if err != nil {
		return 0, fmt.Errorf("/proc/uptime: %q", bytes.TrimSpace(b))
	}
	return v, nil
}

// NICBytes is one interface's line of /proc/net/dev: its name (a slice of the file's
// bytes) and the bytes it received and sent.
type NICBytes struct {
	Name   []byte
	Rx, Tx uint64
}

// ParseNetDev reads /proc/net/dev's interface lines into dst, reused. A line that does
// not parse is skipped.
func ParseNetDev(b []byte, dst []NICBytes) []NICBytes {
	dst = dst[:0]
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue // the two header lines
		}
		name := bytes.TrimSpace(line[:colon])
		if len(name) == 0 {
			continue
		}
		rest := line[colon+1:]
		var v [9]uint64
		ok := true
		for i := range v {
			var f []byte
			f, rest = nextField(rest)
			if v[i], ok = parseUint(f); !ok {
				break
			}
		}
		if ok {
			dst = append(dst, NICBytes{Name: name, Rx: v[0], Tx: v[8]})
		}
	}
	return dst
}

// ParseStatm returns the resident set of /proc/PID/statm (its second number), in pages.
func ParseStatm(b []byte) (uint64, error) {
	_, rest := nextField(b)
	f, _ := nextField(rest)
	n, ok := parseUint(f)
	if !ok {
		return 0, fmt.Errorf("statm: %q", bytes.TrimSpace(b))
	}
	return n, nil
}

// nextLine splits b after its first newline.
func nextLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// nextField returns b's first space-separated field (nil when there is none) and what
// follows it.
func nextField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	if i == len(b) {
		return nil, nil
	}
	j := i
	for j < len(b) && b[j] != ' ' && b[j] != '\t' {
		j++
	}
	return b[i:j], b[j:]
}

// parseUint reads a decimal number of at most 19 digits.
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}
