package collector

import (
	"bufio"
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

func TestCPUPercent(t *testing.T) {
	prev := cpu.TimesStat{User: 100, System: 50, Idle: 800, Iowait: 50}
	cur := cpu.TimesStat{User: 130, System: 60, Idle: 850, Iowait: 60, Steal: 0}
	// busy +40, all +100 → 40 %
	if got := CPUPercent(prev, cur); got == nil || *got != 40 {
		t.Errorf("CPUPercent = %v, want 40", got)
	}
	if got := CPUPercent(cur, cur); got != nil {
		t.Errorf("no time passed: got %v, want nil", *got)
	}
	// A counter that went backwards (CPU hot-unplug) never gives a negative percentage.
	if got := CPUPercent(cur, cpu.TimesStat{User: 10, Idle: 900}); got != nil && (*got < 0 || *got > 100) {
		t.Errorf("out of range: %v", *got)
	}
}

func TestNetRates(t *testing.T) {
	t0 := time.Unix(100, 0)
	rx, tx := NetRates(netSample{rx: 1000, tx: 500, at: t0}, netSample{rx: 6000, tx: 1500, at: t0.Add(5 * time.Second)})
	if rx == nil || *rx != 1000 || tx == nil || *tx != 200 {
		t.Errorf("rates = %v %v, want 1000 200", rx, tx)
	}
	if rx, _ := NetRates(netSample{rx: 9000, at: t0}, netSample{rx: 10, at: t0.Add(time.Second)}); rx != nil {
		t.Error("a counter reset must give unknown, not a huge or negative rate")
	}
}

func meminfoTotal(t *testing.T) uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		t.Skip("no /proc/meminfo")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, _ := strconv.ParseUint(fields[1], 10, 64)
			return kb * 1024
		}
	}
	t.Fatal("MemTotal not found")
	return 0
}

// The host source agrees with the kernel: RAM total with /proc/meminfo, disk total and
// use with statfs, and CPU % appears from the second collection on.
func TestHostSourceAgreesWithKernel(t *testing.T) {
	h := NewHostSource(config.HostConfig{Mounts: []string{os.TempDir(), "/does/not/exist"}})
	ctx := context.Background()
	res, err := h.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot.New(time.Now())
	res.Apply(s)
	if s.Host.CPUPercent != nil {
		t.Error("the first collection has no interval: CPU % must be unknown")
	}
	time.Sleep(50 * time.Millisecond)
	res, err = h.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res.Apply(s)
	host := s.Host
	if host.CPUPercent == nil || *host.CPUPercent < 0 || *host.CPUPercent > 100 {
		t.Errorf("cpu_percent = %v", host.CPUPercent)
	}
	if len(host.CPUPerCore) != host.CPUCount || host.CPUCount == 0 {
		t.Errorf("per-core %d values for %d CPUs", len(host.CPUPerCore), host.CPUCount)
	}
	if want := meminfoTotal(t); host.MemoryTotalBytes == nil || *host.MemoryTotalBytes != want {
		t.Errorf("memory_total_bytes = %v, /proc/meminfo says %d", host.MemoryTotalBytes, want)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs("/", &st); err != nil {
		t.Fatal(err)
	}
	total := st.Blocks * uint64(st.Bsize)
	used := (st.Blocks - st.Bfree) * uint64(st.Bsize)
	avail := st.Bavail * uint64(st.Bsize)
	root := host.Mounts[0]
	if root.Path != "/" || root.TotalBytes != total {
		t.Errorf("root total %d, statfs says %d", root.TotalBytes, total)
	}
	// Used moves while the test runs; 1 % of the total is plenty.
	if diff := math.Abs(float64(root.UsedBytes) - float64(used)); diff > float64(total)/100 {
		t.Errorf("root used %d, statfs says %d", root.UsedBytes, used)
	}
	wantPct := float64(used) / float64(used+avail) * 100
	if math.Abs(*host.DiskPercent-wantPct) > 1 {
		t.Errorf("disk_percent %.1f, df-style %.1f", *host.DiskPercent, wantPct)
	}
	if len(host.Mounts) != 3 || host.Mounts[2].Error == "" || host.Mounts[2].Percent != nil {
		t.Errorf("a missing mount must carry an error and unknown numbers: %+v", host.Mounts)
	}
	if len(host.Load) != 3 || host.UptimeSeconds == nil || *host.UptimeSeconds <= 0 {
		t.Errorf("load %v uptime %v", host.Load, host.UptimeSeconds)
	}
	if host.NetRxBytesSec == nil || host.NetTxBytesSec == nil {
		t.Error("network rates must be known from the second collection on")
	}
}

func TestSumTimes(t *testing.T) {
	got := sumTimes([]cpu.TimesStat{{User: 1, Nice: 2, System: 3, Idle: 4, Iowait: 5, Irq: 6, Softirq: 7, Steal: 8},
		{User: 10, Nice: 20, System: 30, Idle: 40, Iowait: 50, Irq: 60, Softirq: 70, Steal: 80}})
	want := cpu.TimesStat{User: 11, Nice: 22, System: 33, Idle: 44, Iowait: 55, Irq: 66, Softirq: 77, Steal: 88}
	if got != want {
		t.Errorf("sumTimes = %+v, want %+v", got, want)
	}
}

// Only interfaces with a device behind them count: bridges and veth pairs repeat the
// same bytes. Without any such interface (no /sys), everything but lo counts.
func TestPhysicalNICs(t *testing.T) {
	sys := t.TempDir()
	for _, p := range []string{"eth0/device", "docker0", "veth12ab", "br-1f2e"} {
		if err := os.MkdirAll(filepath.Join(sys, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	h := &HostSource{SysClassNet: sys}
	nics := []NICBytes{{Name: []byte("lo"), Rx: 1, Tx: 2}, {Name: []byte("eth0"), Rx: 10, Tx: 20},
		{Name: []byte("docker0"), Rx: 100, Tx: 200}, {Name: []byte("veth12ab"), Rx: 1000, Tx: 2000}, {Name: []byte("br-1f2e"), Rx: 1e4, Tx: 2e4}}
	if rx, tx := h.sumNICs(nics); rx != 10 || tx != 20 {
		t.Errorf("rx %d tx %d, want only eth0's 10 and 20", rx, tx)
	}
	h = &HostSource{SysClassNet: t.TempDir()}
	if rx, tx := h.sumNICs(nics); rx != 11110 || tx != 22220 {
		t.Errorf("no /sys devices: rx %d tx %d, want every interface but lo (11110, 22220)", rx, tx)
	}
}
