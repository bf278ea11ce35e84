package collector

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/hsi-top/hsi-top/snapshot"
)

const (
	llmContainerID = "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708"
	detContainerID = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
)

// fakeProc writes a /proc tree: self/status with the given NSpid line, and for each pid
// its cgroup and cmdline (a nil entry leaves the file out).
type fakeProcEntry struct {
	cgroup, cmdline *string
}

func str(s string) *string { return &s }

func fakeProc(t testing.TB, nspid string, procs map[uint32]fakeProcEntry) string {
	t.Helper()
	root := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("self/status", "Name:\thsi-top\nPid:\t100\nNSpid:\t"+nspid+"\nThreads:\t8\n")
	for pid, e := range procs {
		dir := strconv.FormatUint(uint64(pid), 10)
		if e.cgroup != nil {
			write(dir+"/cgroup", *e.cgroup)
		}
		if e.cmdline != nil {
			write(dir+"/cmdline", *e.cmdline)
		}
	}
	return root
}

// standardProc is the box of the tests: llama-server in a docker container (its argv
// carries an API key that must never be read), the detector under a quadlet unit, a
// bare host process, and pid 7777 that is not visible.
func standardProc(t testing.TB) string {
	return fakeProc(t, "100", map[uint32]fakeProcEntry{
		4242: {cgroup: str("0::/system.slice/docker-" + llmContainerID + ".scope\n"),
			cmdline: str("/app/llama-server\x00--api-key\x00SECRET-ARGV-KEY\x00-m\x00/models/x.gguf\x00")},
		5151: {cgroup: str("0::/system.slice/ai-detector.service/libpod-payload-" + detContainerID + "\n"),
			cmdline: str("python3\x00-m\x00detector\x00")},
		6161: {cgroup: str("0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-term.scope\n"),
			cmdline: str("/usr/bin/Xorg\x00:0\x00")},
	})
}

func TestServiceFromProc(t *testing.T) {
	cases := []struct {
		name, cgroup, cmdline, want string
	}{
		{"docker v2 scope", "0::/system.slice/docker-" + llmContainerID + ".scope", "/app/llama-server\x00--api-key\x00k", "llama-server (docker 3f2a1b4c5d6e)"},
		{"docker v1", "12:memory:/docker/" + llmContainerID + "\n1:name=systemd:/docker/" + llmContainerID, "python3\x00x", "python3 (docker 3f2a1b4c5d6e)"},
		{"podman libpod scope", "0::/machine.slice/libpod-" + detContainerID + ".scope/container", "python3", "python3 (podman abcdef012345)"},
		{"quadlet unit wins", "0::/system.slice/ai-llm.service/libpod-payload-" + detContainerID, "llama-server", "ai-llm"},
		{"containerd", "0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-" + detContainerID + ".scope", "", "containerd abcdef012345"},
		{"host process", "0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope", "/usr/bin/Xorg\x00:0", "Xorg"},
		{"generic docker.service", "0::/system.slice/docker.service", "/usr/bin/dockerd", "dockerd"},
		{"nothing readable", "", "", ServiceUnknown},
		{"kernel thread", "0::/", "", ServiceUnknown},
		{"control chars in argv0", "", "/bin/ev\x1bil\nname\x00", "evilname"},
		{"login shell", "", "-bash\x00", "bash"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ServiceFromProc([]byte(c.cgroup), []byte(c.cmdline)); got != c.want {
				t.Errorf("ServiceFromProc = %q, want %q", got, c.want)
			}
		})
	}
}

func TestProcFSServiceName(t *testing.T) {
	p := NewProcFS(standardProc(t))
	if !p.HostPIDs() {
		t.Fatal("HostPIDs = false with a single NSpid entry")
	}
	for pid, want := range map[uint32]string{
		4242: "llama-server (docker 3f2a1b4c5d6e)",
		5151: "ai-detector",
		6161: "Xorg",
		7777: ServiceUnknown,
		0:    ServiceUnknown,
	} {
		if got := p.ServiceName(pid); got != want {
			t.Errorf("ServiceName(%d) = %q, want %q", pid, got, want)
		}
	}
}

func TestProcFSNestedPIDNamespace(t *testing.T) {
	// In a container without pid: host, a PID NVML reports may be another process here:
	// every name must be unknown rather than a guess.
	root := fakeProc(t, "100\t1", map[uint32]fakeProcEntry{
		4242: {cgroup: str("0::/"), cmdline: str("/bin/sh\x00")},
	})
	p := NewProcFS(root)
	if p.HostPIDs() {
		t.Fatal("HostPIDs = true in a nested PID namespace")
	}
	if got := p.ServiceName(4242); got != ServiceUnknown {
		t.Errorf("ServiceName = %q, want %q", got, ServiceUnknown)
	}
}

func TestSumServices(t *testing.T) {
	procs := []snapshot.GPUProcess{
		{PID: 1, Service: "ai-llm", UsedBytes: snapshot.U(10 << 30)},
		{PID: 2, Service: "ai-detector", UsedBytes: snapshot.U(1 << 30)},
		{PID: 3, Service: "ai-llm", UsedBytes: snapshot.U(2 << 30)},
		{PID: 4, Service: ServiceUnknown, UsedBytes: nil},
	}
	got := SumServices(procs, snapshot.U(14<<30))
	want := []snapshot.ServiceVRAM{
		{Service: "ai-llm", UsedBytes: 12 << 30, Processes: 2},
		{Service: "ai-detector", UsedBytes: 1 << 30, Processes: 1},
		{Service: ServiceUnknown, UsedBytes: 0, Processes: 1},
		{Service: ServiceOther, UsedBytes: 1 << 30},
	}
	if len(got) != len(want) {
		t.Fatalf("SumServices = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if rows := SumServices(procs, snapshot.U(1<<30)); rows[len(rows)-1].Service == ServiceOther {
		t.Errorf("an 'other' row when processes account for more than the used memory: %+v", rows)
	}
	if rows := SumServices(nil, nil); len(rows) != 0 {
		t.Errorf("SumServices(nil) = %+v, want none", rows)
	}
}

// fmtPtr and fmtU print an optional number in test failures.
func fmtPtr(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

func fmtU(v *uint64) any {
	if v == nil {
		return nil
	}
	return *v
}
