package residency

import (
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// smapsOf writes an smaps text: each mapping's header line, then its Anonymous line.
func smapsOf(mappings ...[2]string) []byte {
	var b strings.Builder
	for _, m := range mappings {
		b.WriteString(m[0] + "\nSize:                100 kB\nRss:                  40 kB\n")
		if m[1] != "" {
			b.WriteString("Anonymous:      " + m[1] + "\n")
		}
		b.WriteString("VmFlags: rd mr mw me\n")
	}
	return []byte(b.String())
}

func TestTrimmableAreTheReadOnlyUnwrittenFileMappings(t *testing.T) {
	smaps := smapsOf(
		[2]string{"00400000-00411000 r--p 00000000 fe:00 123 /usr/local/bin/hsi-top", "0 kB"},
		[2]string{"00411000-00bd7000 r-xp 00011000 fe:00 123 /usr/local/bin/hsi-top", "0 kB"},
		[2]string{"00bd7000-01586000 r--p 007d7000 fe:00 123 /usr/local/bin/hsi-top", "0 kB"},
		// A -buildmode=pie binary's RELRO: relocated, then made read-only.
		[2]string{"01586000-01587000 r--p 01185000 fe:00 123 /usr/local/bin/hsi-top", "4 kB"},
		[2]string{"01587000-0164b000 rw-p 01186000 fe:00 123 /usr/local/bin/hsi-top", "12 kB"},
		[2]string{"0164b000-03691000 rw-p 00000000 00:00 0", "2048 kB"},
		[2]string{"7f38fb567000-7f38fb58d000 r--p 00000000 fe:00 99 /usr/lib/x86_64-linux-gnu/libc.so.6", "0 kB"},
		[2]string{"7f38fb58d000-7f38fb6e2000 r-xp 00026000 fe:00 99 /usr/lib/x86_64-linux-gnu/libc.so.6", "0 kB"},
		[2]string{"7f38fb735000-7f38fb739000 r--p 001cd000 fe:00 99 /usr/lib/x86_64-linux-gnu/libc.so.6", "16 kB"},
		[2]string{"7f38fb600000-7f38fb601000 r--s 00000000 fe:00 123 /usr/local/bin/hsi-top", "0 kB"},
		[2]string{"7f38fb700000-7f38fb701000 r-xp 00000000 fe:00 77 /tmp/gone.so (deleted)", "0 kB"},
		[2]string{"7f38fb800000-7f38fb801000 r-xp 00000000 fe:00 78 /opt/lib/no-anon-line.so", ""},
		[2]string{"7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0 [stack]", "132 kB"},
		[2]string{"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]", "0 kB"},
	)
	binary, libs := trimmable(bytes.NewReader(append(smaps, "garbage line\n"...)), "/usr/local/bin/hsi-top")
	want := []mapping{{0x400000, 0x411000, "/usr/local/bin/hsi-top"}, {0x411000, 0xbd7000, "/usr/local/bin/hsi-top"}, {0xbd7000, 0x1586000, "/usr/local/bin/hsi-top"}}
	if !slices.Equal(binary, want) {
		t.Errorf("binary = %x, want %x", binary, want)
	}
	// The libc RELRO (16 kB anonymous) is left alone; a mapping with no Anonymous line
	// is taken as the kernel shows none.
	wantLibs := []mapping{{0x7f38fb567000, 0x7f38fb58d000, "/usr/lib/x86_64-linux-gnu/libc.so.6"},
		{0x7f38fb58d000, 0x7f38fb6e2000, "/usr/lib/x86_64-linux-gnu/libc.so.6"},
		{0x7f38fb800000, 0x7f38fb801000, "/opt/lib/no-anon-line.so"}}
	if !slices.Equal(libs, wantLibs) {
		t.Errorf("libraries = %x, want %x", libs, wantLibs)
	}
	if b, _ := trimmable(bytes.NewReader(smaps), "/usr/local/bin/other"); len(b) != 0 {
		t.Errorf("another file's mappings were taken as the binary's: %x", b)
	}
}

func TestPathsWithSpacesAreMatchedWhole(t *testing.T) {
	smaps := smapsOf([2]string{"00400000-00411000 r-xp 00000000 fe:00 1 /opt/my tools/hsi-top", "0 kB"})
	if got, _ := trimmable(bytes.NewReader(smaps), "/opt/my tools/hsi-top"); len(got) != 1 {
		t.Fatalf("mappings = %x, want the one line", got)
	}
}

func TestTrimKeepsTheProgramRunning(t *testing.T) {
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skip("built for Linux on amd64 and arm64 only")
	}
	n, err := Trim()
	if err != nil {
		t.Fatal(err)
	}
	if n <= 0 {
		t.Fatalf("advised %d bytes, want the binary's read-only mappings", n)
	}
	// Code, read-only data and libc fault back in on use.
	if _, err := os.ReadFile("/proc/self/status"); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("/bin/true").CombinedOutput(); err != nil {
		t.Fatalf("starting a process after the trim: %v %s", err, out)
	}
	// A static build maps no library; a PIE or cgo build maps the loader and libc.
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	n, err = TrimLibraries()
	if mapped := strings.Contains(string(maps), ".so"); err != nil || (n > 0) != mapped {
		t.Fatalf("TrimLibraries advised %d bytes (a library mapped: %v): %v", n, mapped, err)
	}
	if out, err := exec.Command("/bin/true").CombinedOutput(); err != nil {
		t.Fatalf("starting a process after trimming the libraries: %v %s", err, out)
	}
}

// A position-independent build relocates its read-only data at start: trimming must
// leave those pages alone, or the program reads unrelocated pointers and crashes.
func TestTrimKeepsAPIEBuildRunning(t *testing.T) {
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skip("built for Linux on amd64 and arm64 only")
	}
	dir := t.TempDir()
	bin := dir + "/residency.test"
	build := exec.Command("go", "test", "-c", "-buildmode=pie", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Skipf("no PIE build here: %v %s", err, out)
	}
	run := exec.Command(bin, "-test.run", "^TestTrimKeepsTheProgramRunning$", "-test.count", "3")
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("the PIE build after its trim: %v\n%s", err, out)
	}
}
