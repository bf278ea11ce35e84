package collector

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/load"
	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/net"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// HostSource reads the machine's CPU, memory, disks, load, network and uptime with
// gopsutil. CPU % and network rates are deltas between two collections, so the first
// collection reports them as unknown.
type HostSource struct {
	// Mounts are the filesystems to report; "/" first is the one the page shows.
	Mounts []string
	// Now is the time source for rate denominators; time.Now when nil.
	Now func() time.Time
	// SysClassNet is where interfaces are looked up (tests); /sys/class/net when empty.
	SysClassNet string

	mu       sync.Mutex
	prevCPU  *cpu.TimesStat
	prevCore []cpu.TimesStat
	prevNet  *netSample
	// nicIsPhysical caches whether each interface has a device behind it.
	nicIsPhysical map[string]bool
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

// Collect reads every host number once.
func (h *HostSource) Collect(ctx context.Context) (Result, error) {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var out snapshot.Host

	// One read of /proc/stat: the per-core lines, summed for the whole machine.
	cores, err := cpu.TimesWithContext(ctx, true)
	if err != nil || len(cores) == 0 {
		return Result{}, fmt.Errorf("host cpu times: %w", orEmpty(err))
	}
	total := sumTimes(cores)
	if h.prevCPU != nil {
		out.CPUPercent = CPUPercent(*h.prevCPU, total)
	}
	if len(h.prevCore) == len(cores) {
		out.CPUPerCore = make([]float64, len(cores))
		for i := range cores {
			if p := CPUPercent(h.prevCore[i], cores[i]); p != nil {
				out.CPUPerCore[i] = *p
			}
		}
	}
	out.CPUCount = len(cores)
	h.prevCPU, h.prevCore = &total, cores

	vm, err := mem.VirtualMemoryWithContext(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("host memory: %w", err)
	}
	used := vm.Total - vm.Available
	out.MemoryUsedBytes, out.MemoryTotalBytes = snapshot.U(used), snapshot.U(vm.Total)
	out.RAMPercent = snapshot.Percent(float64(used), float64(vm.Total))

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

	if avg, err := load.AvgWithContext(ctx); err == nil {
		out.Load = []float64{avg.Load1, avg.Load5, avg.Load15}
	}
	if up, err := host.UptimeWithContext(ctx); err == nil {
		out.UptimeSeconds = snapshot.F(float64(up))
	}
	if nics, err := net.IOCountersWithContext(ctx, true); err == nil {
		cur := &netSample{at: now()}
		physical := h.physicalNICs(nics)
		for _, n := range nics {
			if n.Name == "lo" || (len(physical) > 0 && !physical[n.Name]) {
				continue
			}
			cur.rx += n.BytesRecv
			cur.tx += n.BytesSent
		}
		if h.prevNet != nil {
			out.NetRxBytesSec, out.NetTxBytesSec = NetRates(*h.prevNet, *cur)
		}
		h.prevNet = cur
	}
	return Result{Via: snapshot.ViaHost, Apply: func(s *snapshot.Snapshot) { s.Host = out }}, nil
}

// physicalNICs names the interfaces backed by a device (/sys/class/net/NAME/device): on
// a Docker box the bridges and veth pairs carry the same bytes again, so summing every
// interface would count container traffic two or three times. Empty when /sys shows no
// device (a container without /sys): then every interface but lo counts.
func (h *HostSource) physicalNICs(nics []net.IOCountersStat) map[string]bool {
	if h.nicIsPhysical == nil {
		h.nicIsPhysical = map[string]bool{}
	}
	out := map[string]bool{}
	for _, n := range nics {
		phys, known := h.nicIsPhysical[n.Name]
		if !known {
			_, err := os.Stat(filepath.Join(h.sysClassNet(), n.Name, "device"))
			phys = err == nil
			if len(h.nicIsPhysical) < 256 { // interfaces come and go: bound the cache
				h.nicIsPhysical[n.Name] = phys
			}
		}
		if phys {
			out[n.Name] = true
		}
	}
	return out
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

func orEmpty(err error) error {
	if err == nil {
		return fmt.Errorf("no data")
	}
	return err
}
