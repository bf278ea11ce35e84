//go:build !linux || !cgo

package demo

import (
	"time"

	"github.com/hsi-top/hsi-top/collector"
)

// simulatedGPUs is the stand-in NVML source in a build without cgo (go-nvml needs it):
// the GPU panel says why it is empty.
func simulatedGPUs(time.Time) []collector.Source {
	return []collector.Source{collector.NewNVMLSource()}
}
