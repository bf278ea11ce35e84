package residency

import (
	"os"
	"runtime"
	"testing"
)

func TestExecutableMappingsAreTheReadOnlyOnesOfTheBinary(t *testing.T) {
	maps := []byte(`00400000-00411000 r--p 00000000 fe:00 123 /usr/local/bin/hsi-top
00411000-00bd7000 r-xp 00011000 fe:00 123 /usr/local/bin/hsi-top
00bd7000-01586000 r--p 007d7000 fe:00 123 /usr/local/bin/hsi-top
01587000-0164b000 rw-p 01186000 fe:00 123 /usr/local/bin/hsi-top
0164b000-03691000 rw-p 00000000 00:00 0
7f38fb567000-7f38fb58d000 r--p 00000000 fe:00 99 /usr/lib/x86_64-linux-gnu/libc.so.6
7f38fb600000-7f38fb601000 r--s 00000000 fe:00 123 /usr/local/bin/hsi-top
garbage line
`)
	got := executableMappings(maps, "/usr/local/bin/hsi-top")
	want := []mapping{{0x400000, 0x411000}, {0x411000, 0xbd7000}, {0xbd7000, 0x1586000}}
	if len(got) != len(want) {
		t.Fatalf("mappings = %x, want %x", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("mapping %d = %x, want %x", i, got[i], want[i])
		}
	}
	if got := executableMappings(maps, "/usr/local/bin/other"); len(got) != 0 {
		t.Fatalf("another file's mappings were chosen: %x", got)
	}
}

func TestPathsWithSpacesAreMatchedWhole(t *testing.T) {
	maps := []byte("00400000-00411000 r-xp 00000000 fe:00 1 /opt/my tools/hsi-top\n")
	if got := executableMappings(maps, "/opt/my tools/hsi-top"); len(got) != 1 {
		t.Fatalf("mappings = %x, want the one line", got)
	}
}

func TestTrimBinaryKeepsTheProgramRunning(t *testing.T) {
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skip("built for Linux on amd64 and arm64 only")
	}
	n, err := TrimBinary()
	if err != nil {
		t.Fatal(err)
	}
	if n <= 0 {
		t.Fatalf("advised %d bytes, want the binary's read-only mappings", n)
	}
	// Code and read-only data fault back in on use.
	if _, err := os.ReadFile("/proc/self/status"); err != nil {
		t.Fatal(err)
	}
}
