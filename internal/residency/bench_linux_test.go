package residency

import "testing"

// BenchmarkOwnMappings reads this process's /proc/self/smaps into its trimmable
// mappings, as TrimLibraries does after each failed NVML start (once a minute on a box
// without a GPU driver).
func BenchmarkOwnMappings(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, binary, _, err := ownMappings(); err != nil || len(binary) == 0 {
			b.Fatalf("ownMappings: %d mappings of the binary, %v", len(binary), err)
		}
	}
}
