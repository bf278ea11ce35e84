package collector

import (
	"fmt"

	"github.com/hsi-top/hsi-top/snapshot"
)

// field reaches one inference part in a source's readings and in the snapshot.
type field[T any] struct {
	reading func(p *InferenceReadings) *T
	section func(in *snapshot.Inference) **T
}

var (
	detectField = field[snapshot.Latency]{
		func(p *InferenceReadings) *snapshot.Latency { return p.Detect },
		func(in *snapshot.Inference) **snapshot.Latency { return &in.DetectorLatency }}
	analyzeField = field[snapshot.Latency]{
		func(p *InferenceReadings) *snapshot.Latency { return p.Analyze },
		func(in *snapshot.Inference) **snapshot.Latency { return &in.LLMLatency }}
	pipelineField = field[snapshot.Latency]{
		func(p *InferenceReadings) *snapshot.Latency { return p.Pipeline },
		func(in *snapshot.Inference) **snapshot.Latency { return &in.PipelineLatency }}
	queuesField = field[snapshot.Queues]{
		func(p *InferenceReadings) *snapshot.Queues { return p.Queues },
		func(in *snapshot.Inference) **snapshot.Queues { return &in.Queues }}
	throughputField = field[snapshot.Throughput]{
		func(p *InferenceReadings) *snapshot.Throughput { return p.Throughput },
		func(in *snapshot.Inference) **snapshot.Throughput { return &in.Throughput }}
)

// inferenceRule is the precedence row of one inference part: the winner's reading is
// copied (snapshots never share a struct a later tick could change); an unknown part
// gets its reason in Inference.Errors.
func inferenceRule[T any](part snapshot.Part, f field[T], sources ...snapshot.SourceName) rule {
	return rule{
		part:    string(part),
		sources: sources,
		has:     func(r *Readings) bool { return f.reading(&r.Inference) != nil },
		set: func(s *snapshot.Snapshot, c *Collected, _ *resolution) {
			v := *f.reading(&c.Readings.Inference)
			*f.section(&s.Inference) = &v
		},
		unknown: func(s *snapshot.Snapshot, why string, _ *resolution) {
			if s.Inference.Errors == nil {
				s.Inference.Errors = map[snapshot.Part]string{}
			}
			s.Inference.Errors[part] = why
		},
	}
}

func hasGPU(r *Readings) bool { return r.GPU != nil && len(r.GPU.Devices) > 0 }

// setGPU makes the winner's devices the GPU section. The page's gpu object is the
// configured device when it has a name and a utilization (the page drops one without).
// NVML's own explanation (why it is not used, a device's problem) is kept whoever wins.
func setGPU(s *snapshot.Snapshot, c *Collected, rc *resolution) {
	devices := c.Readings.GPU.Devices
	s.GPUs = append([]snapshot.GPU(nil), devices...)
	s.GPU = nil
	found := false
	for i := range s.GPUs {
		g := s.GPUs[i]
		if g.Index != rc.gpuIndex && g.Source != snapshot.ViaDetector {
			continue
		}
		found = true
		if g.Name != "" && g.Utilization != nil {
			s.GPU = &g
		}
	}
	s.GPUStatus = nvmlStatus(rc)
	s.GPUStatus.Source = devices[0].Source
	if s.GPUStatus.Source == snapshot.ViaNVML && s.GPUStatus.Error == "" {
		switch {
		case !found:
			s.GPUStatus.Error = fmt.Sprintf("gpu.index %d: no such device (%d found)", rc.gpuIndex, len(devices))
		case s.GPU == nil:
			s.GPUStatus.Error = fmt.Sprintf("GPU %d reports no name or utilization", rc.gpuIndex)
		}
	}
}

// unknownGPU: no devices; NVML's reason when it gave one, else the table's.
func unknownGPU(s *snapshot.Snapshot, why string, rc *resolution) {
	s.GPUs, s.GPU = []snapshot.GPU{}, nil
	s.GPUStatus = nvmlStatus(rc)
	s.GPUStatus.Source = ""
	if s.GPUStatus.Error == "" {
		s.GPUStatus.Error = why
	}
}

// nvmlStatus is NVML's explanation from its last reading, if any.
func nvmlStatus(rc *resolution) snapshot.GPUStatus {
	if c := rc.in[nvmlSrc]; c != nil && c.Readings != nil && c.Readings.GPU != nil {
		return c.Readings.GPU.Status
	}
	return snapshot.GPUStatus{}
}

func hasOverview(r *Readings) bool { return r.Overview != nil }

func setOverview(s *snapshot.Snapshot, c *Collected, _ *resolution) {
	s.Overview = *c.Readings.Overview
}

func unknownOverview(s *snapshot.Snapshot, why string, _ *resolution) { s.Overview.Error = why }

func hasCamerasActive(r *Readings) bool { return r.Overview != nil && r.Overview.CamerasActive != nil }

func setCamerasActive(s *snapshot.Snapshot, c *Collected, _ *resolution) {
	if s.Overview.CamerasActive == nil {
		s.Overview.CamerasActive = c.Readings.Overview.CamerasActive
	}
}

func hasWorkers(r *Readings) bool { return r.Workers != nil }

func setWorkers(s *snapshot.Snapshot, c *Collected, _ *resolution) {
	w := *c.Readings.Workers
	w.List = append([]snapshot.Worker{}, w.List...)
	s.Workers = w
}

func unknownWorkers(s *snapshot.Snapshot, why string, _ *resolution) { s.Workers.Error = why }

func setRedis(s *snapshot.Snapshot, c *Collected, _ *resolution) {
	card := *c.Readings.Redis
	staleCard(&card.Status, &card.Error, c)
	s.Databases.Redis = card
}

func unknownRedis(s *snapshot.Snapshot, why string, _ *resolution) {
	s.Databases.Redis = snapshot.Redis{Status: snapshot.StatusUnreachable, Error: why}
}

func setPostgres(s *snapshot.Snapshot, c *Collected, _ *resolution) {
	card := *c.Readings.Postgres
	staleCard(&card.Status, &card.Error, c)
	s.Databases.PostgreSQL = card
}

func unknownPostgres(s *snapshot.Snapshot, why string, _ *resolution) {
	s.Databases.PostgreSQL = snapshot.PostgreSQL{Status: snapshot.StatusUnreachable, Error: why}
}
