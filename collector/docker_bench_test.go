package collector

import "testing"

// BenchmarkEngineAPICollect is one tick of the Engine API source against the fake engine
// on a unix socket: the list, then three stats reads pipelined on one kept connection,
// the six inspections reused from the first tick (ReinspectEvery). The fake's own JSON
// encoding runs in the same process and is counted too.
func BenchmarkEngineAPICollect(b *testing.B) {
	eng := startFakeEngine(b)
	src := engineSource(b, eng)
	b.ReportAllocs()
	for b.Loop() {
		eng.tick()
		if _, err := src.Collect(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}
