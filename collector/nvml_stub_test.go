//go:build !linux || !cgo

package collector

import (
	"testing"
)

func TestNVMLStub(t *testing.T) {
	src := NewNVMLSource()
	defer src.Close()
	s := collectOnce(t, src, nil)
	if src.Name() != "nvml" || s.GPUStatus.Error != "hsi-top was built without cgo: NVML unavailable" || s.GPU != nil || len(s.GPUs) != 0 {
		t.Errorf("stub: name %q, status %+v, gpu %v", src.Name(), s.GPUStatus, s.GPU)
	}
}
