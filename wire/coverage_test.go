package wire

import (
	"reflect"
	"testing"

	"github.com/hsi-top/hsi-top/snapshot"
)

// TestEverySnapshotFieldReachesTheWire: each field of a snapshot type has a field of the
// same name in its wire twin, or is one of the base-unit fields the wire shows in the
// page's unit under another name. A field added to the snapshot and forgotten here would
// otherwise vanish from every JSON output without a failing test.
func TestEverySnapshotFieldReachesTheWire(t *testing.T) {
	converted := map[string]string{ // snapshot field → the wire field it becomes
		"Host.MemoryUsedBytes":     "RAMUsedGB",
		"Host.MemoryTotalBytes":    "RAMTotalGB",
		"Host.DiskUsedBytes":       "DiskUsedGB",
		"Host.DiskTotalBytes":      "DiskTotalGB",
		"Redis.MemoryUsedBytes":    "MemoryMB",
		"Redis.MaxMemoryBytes":     "MaxMemoryMB",
		"Detector.VRAMUsedBytes":   "VRAMGB",
		"Snapshot.ContainerLevels": "", // read by Status and the views, not sent
	}
	for _, pair := range []struct{ snap, wire any }{
		{snapshot.Snapshot{}, PerformanceData{}},
		{snapshot.GPU{}, GPU{}},
		{snapshot.Detector{}, Detector{}},
		{snapshot.LLM{}, LLM{}},
		{snapshot.Inference{}, Inference{}},
		{snapshot.Latency{}, Latency{}},
		{snapshot.Throughput{}, Throughput{}},
		{snapshot.Queues{}, Queues{}},
		{snapshot.PostgreSQL{}, PostgreSQL{}},
		{snapshot.Redis{}, Redis{}},
		{snapshot.Host{}, Host{}},
		{snapshot.Mount{}, Mount{}},
		{snapshot.Container{}, Container{}},
		{snapshot.Self{}, Self{}},
	} {
		st, wt := reflect.TypeOf(pair.snap), reflect.TypeOf(pair.wire)
		for i := range st.NumField() {
			name := st.Field(i).Name
			key := st.Name() + "." + name
			if to, ok := converted[key]; ok {
				if _, has := wt.FieldByName(to); to != "" && !has {
					t.Errorf("%s becomes %s.%s, which does not exist", key, wt.Name(), to)
				}
				continue
			}
			if _, ok := wt.FieldByName(name); !ok {
				t.Errorf("%s has no field in %s: add it to wire/types.go and its copy in performance.go", key, wt.Name())
			}
		}
	}
}
