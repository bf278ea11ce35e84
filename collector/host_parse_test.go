package collector

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shirou/gopsutil/v4/cpu"
)

// procStat is a /proc/stat of a two-core machine (Linux 6.x).
const procStat = `cpu  10132153 290696 3084719 46828483 16683 0 25195 0 175628 0
cpu0 1393280 32966 572056 13366264 6180 0 12108 0 28472 0
cpu1 1335845 39010 534917 13477373 3214 0 4962 7 21531 0
intr 199292127 6 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 1 0 0 0
ctxt 265812093
btime 1732000000
processes 1000
procs_running 1
procs_blocked 0
softirq 124612353 0 28617416 2 21826549 0 0 1018349 34582779 0 38567258
`

func TestParseCPUTimes(t *testing.T) {
	got, err := ParseCPUTimes([]byte(procStat), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []cpu.TimesStat{
		{User: 13932.80, Nice: 329.66, System: 5720.56, Idle: 133662.64, Iowait: 61.80, Softirq: 121.08, Guest: 284.72},
		{User: 13358.45, Nice: 390.10, System: 5349.17, Idle: 134773.73, Iowait: 32.14, Softirq: 49.62, Steal: 0.07, Guest: 215.31},
	}
	if len(got) != len(want) {
		t.Fatalf("%d cores, want %d", len(got), len(want))
	}
	for i := range want {
		if !closeTimes(got[i], want[i]) {
			t.Errorf("core %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// An old kernel's four fields; the buffer is reused.
	got2, err := ParseCPUTimes([]byte("cpu  1 2 3 4\ncpu0 100 200 300 400\n"), got)
	if err != nil || len(got2) != 1 || &got2[0] != &got[0] || !closeTimes(got2[0], cpu.TimesStat{User: 1, Nice: 2, System: 3, Idle: 4}) {
		t.Errorf("four fields: %+v %v", got2, err)
	}
	for _, bad := range []string{"", "cpu  1 2 3\n", "intr 1 2\n", "cpu0 1 x 3 4\n"} {
		if _, err := ParseCPUTimes([]byte(bad), nil); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func closeTimes(a, b cpu.TimesStat) bool {
	near := func(x, y float64) bool { return x-y < 1e-9 && y-x < 1e-9 }
	return near(a.User, b.User) && near(a.Nice, b.Nice) && near(a.System, b.System) && near(a.Idle, b.Idle) &&
		near(a.Iowait, b.Iowait) && near(a.Irq, b.Irq) && near(a.Softirq, b.Softirq) && near(a.Steal, b.Steal) &&
		near(a.Guest, b.Guest) && near(a.GuestNice, b.GuestNice)
}

func TestParseMeminfo(t *testing.T) {
	total, avail, err := ParseMeminfo([]byte("MemTotal:       16314604 kB\nMemFree:         1000000 kB\nMemAvailable:    9876543 kB\nBuffers:          200000 kB\nCached:          3000000 kB\n"))
	if err != nil || total != 16314604*1024 || avail != 9876543*1024 {
		t.Errorf("total %d available %d %v", total, avail, err)
	}
	// Before Linux 3.14: free + buffers + cached.
	total, avail, err = ParseMeminfo([]byte("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 300 kB\n"))
	if err != nil || total != 1000*1024 || avail != 420*1024 {
		t.Errorf("old kernel: total %d available %d %v", total, avail, err)
	}
	if _, _, err := ParseMeminfo([]byte("MemFree: 100 kB\n")); err == nil {
		t.Error("no MemTotal: no error")
	}
}

func TestParseLoadavgUptimeStatm(t *testing.T) {
	if l, err := ParseLoadavg([]byte("8.97 4.10 1.05 3/412 91234\n")); err != nil || l != [3]float64{8.97, 4.10, 1.05} {
		t.Errorf("loadavg %v %v", l, err)
	}
	if _, err := ParseLoadavg([]byte("8.97\n")); err == nil {
		t.Error("short loadavg: no error")
	}
	if up, err := ParseUptime([]byte("350735.47 234388.90\n")); err != nil || up != 350735.47 {
		t.Errorf("uptime %v %v", up, err)
	}
	if _, err := ParseUptime(nil); err == nil {
		t.Error("empty uptime: no error")
	}
	if rss, err := ParseStatm([]byte("310000 4621 1207 4404 0 18321 0\n")); err != nil || rss != 4621 {
		t.Errorf("statm %v %v", rss, err)
	}
}

func TestParseNetDev(t *testing.T) {
	const netDev = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 1234567    8901    0    0    0     0          0         0  1234567    8901    0    0    0     0       0          0
  eth0: 987654321 123456    0    0    0     0          0         0 123456789  65432    0    0    0     0       0          0
veth12ab:  5555  55 0 0 0 0 0 0  6666 66 0 0 0 0 0 0
broken: 1 2 x
`
	got := ParseNetDev([]byte(netDev), nil)
	want := []struct {
		name   string
		rx, tx uint64
	}{{"lo", 1234567, 1234567}, {"eth0", 987654321, 123456789}, {"veth12ab", 5555, 6666}}
	if len(got) != len(want) {
		t.Fatalf("%d interfaces, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if string(got[i].Name) != w.name || got[i].Rx != w.rx || got[i].Tx != w.tx {
			t.Errorf("interface %d: %s %d %d, want %+v", i, got[i].Name, got[i].Rx, got[i].Tx, w)
		}
	}
}

// ProcFile reads the file afresh at each call, follows a file longer than its buffer,
// and reopens a file that was replaced.
func TestProcFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stat")
	if err := os.WriteFile(path, []byte("one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := NewProcFile(path)
	defer p.Close()
	if b, err := p.Read(); err != nil || string(b) != "one\n" {
		t.Fatalf("first read %q %v", b, err)
	}
	long := strings.Repeat("x", 10000)
	if err := os.WriteFile(path, []byte(long), 0o644); err != nil { // same inode, truncated
		t.Fatal(err)
	}
	if b, err := p.Read(); err != nil || string(b) != long {
		t.Fatalf("after growing: %d bytes %v", len(b), err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if b, err := p.Read(); err != nil || string(b) != long {
		t.Errorf("the open file still reads after the name is gone: %d bytes %v", len(b), err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Read(); err == nil {
		t.Error("reopening a removed file: no error")
	}
	// The real files: what procfs makes afresh on each read at offset 0.
	up := NewProcFile("/proc/uptime")
	defer up.Close()
	b1, err := up.Read()
	if err != nil {
		t.Skip("no /proc here")
	}
	v1, _ := ParseUptime(b1)
	b2, _ := up.Read()
	if v2, err := ParseUptime(b2); err != nil || v2 < v1 {
		t.Errorf("second read of /proc/uptime: %v (first %v) %v", v2, v1, err)
	}
}

func FuzzParseProcFiles(f *testing.F) {
	f.Add([]byte(procStat))
	f.Add([]byte("MemTotal: 1 kB\n"))
	f.Add([]byte("eth0: 1 2 3 4 5 6 7 8 9 10\n"))
	f.Add([]byte("cpu0 99999999999999999999 1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cores, _ := ParseCPUTimes(b, nil)
		for _, c := range cores {
			if c.User < 0 || c.Idle < 0 {
				t.Fatalf("negative times %+v", c)
			}
		}
		if total, avail, err := ParseMeminfo(b); err == nil && avail > total && strings.Contains(string(b), "MemAvailable") == false {
			t.Fatalf("available %d above total %d", avail, total)
		}
		ParseNetDev(b, nil)
		ParseLoadavg(b)
		ParseUptime(b)
		ParseStatm(b)
	})
}
