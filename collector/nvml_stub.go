//go:build !linux || !cgo

package collector

import (
	"context"

	"github.com/hsi-top/hsi-top/snapshot"
)

// NVMLSource stands in for the NVML source in builds without cgo (or off Linux): the GPU
// section says why it is empty, and the detector or Prometheus may fill it.
type NVMLSource struct {
	// AfterFailedStart is never called: this build loads no library.
	AfterFailedStart func()
}

// NVMLUnavailableReason is the GPU section's error in such builds.
const NVMLUnavailableReason = "hsi-top was built without cgo: NVML unavailable"

// NewNVMLSource returns the stand-in.
func NewNVMLSource() *NVMLSource { return &NVMLSource{} }

// Name returns "nvml".
func (*NVMLSource) Name() snapshot.SourceName { return snapshot.SourceNVML }

// Collect reports that NVML is unavailable in this build.
func (*NVMLSource) Collect(context.Context) (Result, error) {
	return Result{Via: snapshot.ViaNVML, Readings: Readings{GPU: &GPUReading{Status: snapshot.GPUStatus{Error: NVMLUnavailableReason}}}}, nil
}

// Close does nothing.
func (*NVMLSource) Close() error { return nil }
