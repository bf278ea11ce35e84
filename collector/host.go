package collector

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// HostSource reads the machine's CPU, memory, load, network and uptime from /proc (the
// files kept open: ProcFile) and its disks with gopsutil. CPU % and network rates are
// deltas between two collections, so the first collection reports them as unknown.
// /proc is $HOST_PROC when that is set, as gopsutil has it.
type HostSource struct {
	// Mounts are the filesystems to report; "/" first is the one the page shows.
	Mounts []string
	// Now is the time source for rate denominators; time.Now when nil.
	Now func() time.Time
	// SysClassNet is where interfaces are looked up (tests); /sys/class/net when empty.
	SysClassNet string

	mu    sync.Mutex
	files *hostFiles
	cores []cpu.TimesStat // this collection's, reused
	nics  []NICBytes      // this collection's, reused

	prevCPU  *cpu.TimesStat
	prevCore []cpu.TimesStat
	prevNet  *netSample
	// nicIsPhysical caches whether each interface has a device behind it.
	nicIsPhysical map[string]bool
}

// hostFiles are the /proc files read at every collection.
type hostFiles struct {
	stat, meminfo, loadavg, uptime, netdev *ProcFile
}

func newHostFiles() *hostFiles {
	root := os.Getenv("HOST_PROC")
	if root == "" {
		root = "/proc"
	}
	return &hostFiles{
		stat:    NewProcFile(filepath.Join(root, "stat")),
		meminfo: NewProcFile(filepath.Join(root, "meminfo")),
		loadavg: NewProcFile(filepath.Join(root, "loadavg")),
		uptime:  NewProcFile(filepath.Join(root, "uptime")),
		netdev:  NewProcFile(filepath.Join(root, "net", "dev")),
	}
}

func (f *hostFiles) Close() error {
	return errors.Join(f.stat.Close(), f.meminfo.Close(), f.loadavg.Close(), f.uptime.Close(), f.netdev.Close())
}

type netSample struct {
	rx, tx uint64
	at     time.Time
}

// NewHostSource returns a host source for the given mounts ("/" is always included).
func NewHostSource(cfg config.HostConfig) *HostSource {
	ms := []string{"/"}
	for _, m := range cfg.Mounts {
		if m != "/" && m != "" {
			ms = append(ms, m)
		}
	}
	return &HostSource{Mounts: ms}
}

// Name returns "host".
func (h *HostSource) Name() snapshot.SourceName { return snapshot.SourceHost }

// Close closes the /proc files.
func (h *HostSource) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.files == nil {
		return nil
	}
	return h.files.Close()
}

// Collect reads every host number once.
func (h *HostSource) Collect(ctx context.Context) (Result, error) {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.files == nil {
		h.files = newHostFiles()
	}
	var out snapshot.Host
	if err := h.readCPU(&out); err != nil {
		return Result{}, err
	}
	b, err := h.files.meminfo.Read()
	if err != nil {
		return Result{}, fmt.Errorf("host memory: %w", err)
	}
	total, avail, err := ParseMeminfo(b)
	if err != nil {
		return Result{}, fmt.Errorf("host memory: %w", err)
	}
	used := total - avail
	out.MemoryUsedBytes, out.MemoryTotalBytes = snapshot.U(used), snapshot.U(total)
	out.RAMPercent = snapshot.Percent(float64(used), float64(total))

	h.readMounts(ctx, &out)
	if b, err := h.files.loadavg.Read(); err == nil {
		if avg, err := ParseLoadavg(b); err == nil {
			out.Load = avg[:]
		}
	}
	if b, err := h.files.uptime.Read(); err == nil {
		if up, err := ParseUptime(b); err == nil {
			out.UptimeSeconds = snapshot.F(up)
		}
	}
	if b, err := h.files.netdev.Read(); err == nil {
		h.nics = ParseNetDev(b, h.nics)
		cur := &netSample{at: now()}
		cur.rx, cur.tx = h.sumNICs(h.nics)
		if h.prevNet != nil {
			out.NetRxBytesSec, out.NetTxBytesSec = NetRates(*h.prevNet, *cur)
		}
		h.prevNet = cur
	}
	return Result{Via: snapshot.ViaHost, Apply: func(s *snapshot.Snapshot) { s.Host = out }}, nil
}

// readCPU reads /proc/stat's per-core lines: the machine's CPU % (their sum) and each
// core's, against the previous collection.
func (h *HostSource) readCPU(out *snapshot.Host) error {
	b, err := h.files.stat.Read()
	if err != nil {
		return fmt.Errorf("host cpu times: %w", err)
	}
	if h.cores, err = ParseCPUTimes(b, h.cores); err != nil {
		return fmt.Errorf("host cpu times: %w", err)
	}
	total := sumTimes(h.cores)
	if h.prevCPU != nil {
		out.CPUPercent = CPUPercent(*h.prevCPU, total)
	}
	if len(h.prevCore) == len(h.cores) {
		out.CPUPerCore = make([]float64, len(h.cores))
		for i := range h.cores {
			if p := CPUPercent(h.prevCore[i], h.cores[i]); p != nil {
				out.CPUPerCore[i] = *p
			}
		}
	}
	out.CPUCount = len(h.cores)
	h.prevCPU = &total
	// The previous and the current per-core times swap buffers.
	h.prevCore, h.cores = h.cores, h.prevCore
	return nil
}

// readMounts reads each mount's use with statfs (gopsutil).
func (h *HostSource) readMounts(ctx context.Context, out *snapshot.Host) {
	for _, path := range h.Mounts {
		m := snapshot.Mount{Path: path}
		u, err := disk.UsageWithContext(ctx, path)
		if err != nil {
			m.Error = err.Error()
		} else {
			m.UsedBytes, m.TotalBytes = u.Used, u.Total
			// As df: used / (used + available to unprivileged users).
			m.Percent = snapshot.Percent(float64(u.Used), float64(u.Used+u.Free))
		}
		out.Mounts = append(out.Mounts, m)
	}
	if root := out.Mounts[0]; root.Error == "" {
		out.DiskUsedBytes, out.DiskTotalBytes, out.DiskPercent = snapshot.U(root.UsedBytes), snapshot.U(root.TotalBytes), root.Percent
	}
}

// sumNICs adds up the bytes of the physical interfaces (isPhysical), or of every
// interface but lo when none is.
func (h *HostSource) sumNICs(nics []NICBytes) (rx, tx uint64) {
	anyPhysical := false
	for _, n := range nics {
		if h.isPhysical(n.Name) {
			anyPhysical = true
			break
		}
	}
	for _, n := range nics {
		if string(n.Name) == "lo" || (anyPhysical && !h.isPhysical(n.Name)) {
			continue
		}
		rx += n.Rx
		tx += n.Tx
	}
	return rx, tx
}

// isPhysical reports whether the interface has a device behind it
// (/sys/class/net/NAME/device): on a Docker box the bridges and veth pairs carry the
// same bytes again, so summing every interface would count container traffic two or
// three times. None is in a container without /sys: then every interface but lo counts
// (sumNICs). The answer is cached per name.
func (h *HostSource) isPhysical(name []byte) bool {
	if h.nicIsPhysical == nil {
		h.nicIsPhysical = map[string]bool{}
	}
	phys, known := h.nicIsPhysical[string(name)]
	if !known {
		_, err := os.Stat(filepath.Join(h.sysClassNet(), string(name), "device"))
		phys = err == nil
		if len(h.nicIsPhysical) < 256 { // interfaces come and go: bound the cache
			h.nicIsPhysical[string(name)] = phys
		}
	}
	return phys
}

func (h *HostSource) sysClassNet() string {
	if h.SysClassNet != "" {
		return h.SysClassNet
	}
	return "/sys/class/net"
}

// CPUPercent is the busy share of the CPU time that passed between two samples, in
// percent; nil when no time passed. Busy is everything but idle and iowait.
func CPUPercent(prev, cur cpu.TimesStat) *float64 {
	busy := func(t cpu.TimesStat) float64 {
		return t.User + t.Nice + t.System + t.Irq + t.Softirq + t.Steal
	}
	all := func(t cpu.TimesStat) float64 { return busy(t) + t.Idle + t.Iowait }
	dAll := all(cur) - all(prev)
	if dAll <= 0 {
		return nil
	}
	p := (busy(cur) - busy(prev)) / dAll * 100
	return snapshot.F(min(100, max(0, p)))
}

// sumTimes adds up per-core CPU times: the machine's total, as the kernel's "cpu" line.
func sumTimes(cores []cpu.TimesStat) cpu.TimesStat {
	var t cpu.TimesStat
	for _, c := range cores {
		t.User += c.User
		t.Nice += c.Nice
		t.System += c.System
		t.Idle += c.Idle
		t.Iowait += c.Iowait
		t.Irq += c.Irq
		t.Softirq += c.Softirq
		t.Steal += c.Steal
	}
	return t
}

// NetRates are the receive and transmit bytes per second between two samples; nil when
// no time passed or a counter went backwards (an interface was reset or removed).
func NetRates(prev, cur netSample) (rx, tx *float64) {
	secs := cur.at.Sub(prev.at).Seconds()
	if secs <= 0 || cur.rx < prev.rx || cur.tx < prev.tx {
		return nil, nil
	}
	return snapshot.F(float64(cur.rx-prev.rx) / secs), snapshot.F(float64(cur.tx-prev.tx) / secs)
}
