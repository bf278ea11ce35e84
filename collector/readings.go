package collector

import "github.com/hsi-top/hsi-top/snapshot"

// Readings are what one collection read of the parts that more than one source can
// fill, or that the one stale policy covers (the database cards). A nil field is a part
// the source has no reading of this time. A source only describes what it read: the
// resolver (resolve.go) decides which reading each part shows.
type Readings struct {
	// GPU is the devices the source sees; nil when it has no GPU reading.
	GPU *GPUReading
	// Inference are the stage latencies, throughput and queue depths.
	Inference InferenceReadings
	Overview  *snapshot.Overview
	Workers   *snapshot.Workers
	Redis     *snapshot.Redis
	Postgres  *snapshot.PostgreSQL
	// Notes say why the source, although it answered, has no reading of a part it can
	// fill (an endpoint that failed, a table that could not be counted), by the part's
	// name in the precedence table.
	Notes map[string]string
}

// GPUReading is one source's view of the GPUs.
type GPUReading struct {
	// Devices are the GPUs read, each with its Index; empty when the source sees none.
	Devices []snapshot.GPU
	// Status carries the source's own explanation (NVML: why it is not used, which
	// device has a problem, why process names are unknown). Only NVML fills it.
	Status snapshot.GPUStatus
}

// InferenceReadings is what one source knows of the inference section; nil parts are
// unknown to it.
type InferenceReadings struct {
	Detect, Analyze, Pipeline *snapshot.Latency
	Throughput                *snapshot.Throughput
	Queues                    *snapshot.Queues
}

// note records why a part is missing from r.
func (r *Readings) note(part, why string) {
	if why == "" {
		return
	}
	if r.Notes == nil {
		r.Notes = map[string]string{}
	}
	r.Notes[part] = why
}
