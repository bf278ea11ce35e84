package main

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestDemoOnce: `hsi-top demo --once` reports the simulated stack: both GPUs (in cgo
// builds), the fixtures' models and the demo's Redis.
func TestDemoOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("waits one interval")
	}
	var out, errb bytes.Buffer
	code := run([]string{"demo", "--once", "--interval", "1s"}, &out, &errb)
	if code != exitOK && code != exitWarning && code != exitCritical {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := []string{"detector healthy", "llm      healthy", "redis    healthy", "postgres healthy  conns ", "services backend:healthy"}
	if runtime.GOOS == "linux" && cgoEnabled {
		want = append(want, "gpu0     NVIDIA RTX A5500", "gpu1     NVIDIA RTX A2000", "ai-llm")
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("demo --once lacks %q:\n%s", w, out.String())
		}
	}
	if !strings.Contains(errb.String(), "simulated stack") {
		t.Errorf("demo does not say it is a simulation: %q", errb.String())
	}
}

// TestDemoFlags: demo combines with --serve ADDR and --once.
func TestDemoFlags(t *testing.T) {
	f, err := parseFlags([]string{"demo", "--serve", "127.0.0.1:9999"}, io.Discard)
	if err != nil || !f.demo || !f.serve || f.serveAddr != "127.0.0.1:9999" {
		t.Fatalf("demo --serve ADDR: %+v, %v", f, err)
	}
	f, err = parseFlags([]string{"--once", "demo"}, io.Discard)
	if err != nil || !f.demo || !f.once {
		t.Fatalf("--once demo: %+v, %v", f, err)
	}
	if _, err := parseFlags([]string{"demo", "extra"}, io.Discard); err == nil {
		t.Fatal("demo extra: no usage error")
	}
}

// TestDemoStateDirPerUser: the demo's state is kept apart from the real state file and
// from other users' demos, under the temporary directory.
func TestDemoStateDirPerUser(t *testing.T) {
	t.Setenv("TMPDIR", "/tmp/x")
	want := "/tmp/x/hsi-top-demo-state-" + strconv.Itoa(os.Getuid())
	if got := demoStateDir(); got != want {
		t.Errorf("demoStateDir() = %q, want %q", got, want)
	}
}
