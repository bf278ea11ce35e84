package collector

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/hsi-top/hsi-top/snapshot"
)

// ServiceUnknown is the service name of a GPU process whose /proc entry hsi-top cannot see
// (it runs in another PID namespace, or exited): said plainly, never guessed.
const ServiceUnknown = "unknown"

// ServiceOther is the ServiceVRAM row for device memory no listed process accounts for
// (driver reservations, contexts of processes NVML does not list).
const ServiceOther = "other"

// ProcReader names the service a process belongs to. The NVML source uses it to turn
// the PIDs NVML reports into service names; tests give it a fake /proc tree.
type ProcReader interface {
	// ServiceName returns the container, systemd unit or executable name of pid, or
	// ServiceUnknown when the process is not visible.
	ServiceName(pid uint32) string
	// HostPIDs reports whether hsi-top sees the host's PIDs (NVML always reports those);
	// when false every name is ServiceUnknown, since a PID here may be another process.
	HostPIDs() bool
}

// ProcFS reads /proc (or a fake tree at Root) to name GPU processes. Only the cgroup file
// and argv[0] of the command line are read: the other arguments may carry secrets.
type ProcFS struct {
	// Root is the proc mount, "/proc" when empty.
	Root string

	once     sync.Once
	hostPIDs bool
}

// NewProcFS returns a ProcReader for the proc tree at root ("/proc" when empty).
func NewProcFS(root string) *ProcFS {
	if root == "" {
		root = "/proc"
	}
	return &ProcFS{Root: root}
}

func (p *ProcFS) root() string {
	if p.Root == "" {
		return "/proc"
	}
	return p.Root
}

// HostPIDs reads /proc/self/status once: an NSpid line with more than one PID means
// hsi-top runs in a nested PID namespace (a container without `pid: host`).
func (p *ProcFS) HostPIDs() bool {
	p.once.Do(func() {
		p.hostPIDs = true
		b, err := os.ReadFile(filepath.Join(p.root(), "self", "status"))
		if err != nil {
			return
		}
		for line := range strings.SplitSeq(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
				p.hostPIDs = len(strings.Fields(rest)) <= 1
				return
			}
		}
	})
	return p.hostPIDs
}

// ServiceName names pid from its cgroup and argv[0]; see ServiceFromProc.
func (p *ProcFS) ServiceName(pid uint32) string {
	if pid == 0 || !p.HostPIDs() {
		return ServiceUnknown
	}
	dir := filepath.Join(p.root(), strconv.FormatUint(uint64(pid), 10))
	cgroup, errCG := os.ReadFile(filepath.Join(dir, "cgroup"))
	cmdline, errCmd := os.ReadFile(filepath.Join(dir, "cmdline"))
	if errCG != nil && errCmd != nil {
		return ServiceUnknown
	}
	return ServiceFromProc(cgroup, cmdline)
}

// ServiceFromProc names a process from the contents of /proc/PID/cgroup and
// /proc/PID/cmdline: a systemd unit that is not a generic one (a quadlet or compose unit
// named after the service) wins; then the executable with the container runtime and short
// ID ("llama-server (docker 3f2a1b4c5d6e)"); then the executable alone; ServiceUnknown when
// neither says anything. Only argv[0] is looked at: later arguments may hold secrets.
func ServiceFromProc(cgroup, cmdline []byte) string {
	unit, runtime, id := parseCgroup(string(cgroup))
	exe := exeName(cmdline)
	switch {
	case unit != "":
		return unit
	case id != "" && exe != "":
		return exe + " (" + runtime + " " + id + ")"
	case id != "":
		return runtime + " " + id
	case exe != "":
		return exe
	}
	return ServiceUnknown
}

// exeName is the basename of argv[0] (the bytes before the first NUL).
func exeName(cmdline []byte) string {
	if i := bytes.IndexByte(cmdline, 0); i >= 0 {
		cmdline = cmdline[:i]
	}
	arg0 := strings.TrimSpace(string(cmdline))
	arg0 = strings.TrimPrefix(arg0, "-") // login shells
	if arg0 == "" {
		return ""
	}
	base := path.Base(arg0)
	if base == "." || base == "/" {
		return ""
	}
	return sanitizeName(base)
}

// sanitizeName makes a name from /proc or a service safe to show: no control characters,
// at most 64 bytes.
func sanitizeName(s string) string { return CleanText(s, 64) }

var containerIDPatterns = []struct {
	runtime string
	re      *regexp.Regexp
}{
	{"docker", regexp.MustCompile(`docker-([0-9a-f]{12,64})\.scope`)},
	{"docker", regexp.MustCompile(`/docker/([0-9a-f]{12,64})(?:/|$)`)},
	{"podman", regexp.MustCompile(`libpod-(?:payload-|conmon-)?([0-9a-f]{12,64})(?:\.scope)?(?:/|$)`)},
	{"containerd", regexp.MustCompile(`cri-containerd-([0-9a-f]{12,64})\.scope`)},
	{"cri-o", regexp.MustCompile(`crio-(?:conmon-)?([0-9a-f]{12,64})\.scope`)},
	{"kubernetes", regexp.MustCompile(`/kubepods[^ ]*/([0-9a-f]{64})(?:/|$)`)},
}

// genericUnits are systemd units that say nothing about which service a process is.
var genericUnits = map[string]bool{
	"docker": true, "containerd": true, "podman": true, "crio": true, "init": true,
	"system": true, "user": true, "session": true, "kubelet": true, "snap": true,
}

// parseCgroup finds, in /proc/PID/cgroup, a meaningful systemd service unit and a
// container runtime and short ID. Lines are "hierarchy:controllers:path"; cgroup v2 has
// the single line "0::path".
func parseCgroup(content string) (unit, runtime, id string) {
	for line := range strings.SplitSeq(content, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		p := strings.TrimSpace(parts[2])
		if id == "" {
			for _, pat := range containerIDPatterns {
				if m := pat.re.FindStringSubmatch(p); m != nil {
					runtime, id = pat.runtime, m[1][:12]
					break
				}
			}
		}
		if unit == "" {
			unit = serviceUnit(p)
		}
	}
	return unit, runtime, id
}

// serviceUnit returns the innermost non-generic "NAME.service" element of a cgroup path,
// without the suffix (quadlet's ai-llm.service gives "ai-llm").
func serviceUnit(p string) string {
	elems := strings.Split(p, "/")
	for i := len(elems) - 1; i >= 0; i-- {
		name, ok := strings.CutSuffix(elems[i], ".service")
		if !ok || name == "" {
			continue
		}
		base := name
		if j := strings.IndexAny(base, "@-"); j > 0 && genericUnits[base[:j]] {
			continue // user@1000.service, docker-compose… is not generic but docker@x is
		}
		if genericUnits[base] {
			continue
		}
		return sanitizeName(name)
	}
	return ""
}

// SumServices adds up processes by service, largest first, and appends an "other" row
// for the device memory (used) that no process accounts for. Processes whose memory
// NVML does not report count as processes with 0 bytes.
func SumServices(procs []snapshot.GPUProcess, used *uint64) []snapshot.ServiceVRAM {
	idx := map[string]int{}
	out := make([]snapshot.ServiceVRAM, 0, len(procs)+1)
	var total uint64
	for _, p := range procs {
		var b uint64
		if p.UsedBytes != nil {
			b = *p.UsedBytes
		}
		total += b
		i, ok := idx[p.Service]
		if !ok {
			i = len(out)
			idx[p.Service] = i
			out = append(out, snapshot.ServiceVRAM{Service: p.Service})
		}
		out[i].UsedBytes += b
		out[i].Processes++
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].UsedBytes != out[j].UsedBytes {
			return out[i].UsedBytes > out[j].UsedBytes
		}
		return out[i].Service < out[j].Service
	})
	if used != nil && *used > total {
		out = append(out, snapshot.ServiceVRAM{Service: ServiceOther, UsedBytes: *used - total})
	}
	return out
}
