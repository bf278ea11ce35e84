package notify

import (
	"strings"

	"github.com/hsi-top/hsi-top/snapshot"
)

// sensor is one number Home Assistant shows: its key in the state JSON and how it is
// read from a snapshot (nil: unknown, which Home Assistant shows as unknown).
type sensor struct {
	key, name, unit, deviceClass string
	read                         func(s *snapshot.Snapshot) *float64
}

// keySensors are the key numbers published as Home Assistant sensors besides the
// disks (one per configured mount, see diskSensor).
var keySensors = []sensor{
	{"gpu_utilization", "GPU utilization", "%", "", func(s *snapshot.Snapshot) *float64 {
		return gpuValue(s, func(g *snapshot.GPU) *float64 { return g.Utilization })
	}},
	{"gpu_vram", "GPU VRAM", "%", "", func(s *snapshot.Snapshot) *float64 {
		return gpuValue(s, func(g *snapshot.GPU) *float64 { return g.VRAMPercent })
	}},
	{"gpu_temperature", "GPU temperature", "°C", "temperature", func(s *snapshot.Snapshot) *float64 {
		return gpuValue(s, func(g *snapshot.GPU) *float64 { return g.Temperature })
	}},
	{"gpu_power", "GPU power", "W", "power", func(s *snapshot.Snapshot) *float64 {
		return gpuValue(s, func(g *snapshot.GPU) *float64 { return g.PowerWatts })
	}},
	{"detector_latency_p95", "Detector latency p95", "ms", "duration", func(s *snapshot.Snapshot) *float64 { return p95(s.Inference.DetectorLatency) }},
	{"llm_latency_p95", "LLM latency p95", "ms", "duration", func(s *snapshot.Snapshot) *float64 { return p95(s.Inference.LLMLatency) }},
	{"queue_detection", "Detection queue", "", "", func(s *snapshot.Snapshot) *float64 {
		return queueDepth(s, func(q *snapshot.Queues) *int64 { return q.Detection })
	}},
	{"queue_analysis", "Analysis queue", "", "", func(s *snapshot.Snapshot) *float64 {
		return queueDepth(s, func(q *snapshot.Queues) *int64 { return q.Analysis })
	}},
}

// diskSensor is the use of one mount, in %.
func diskSensor(path string) sensor {
	return sensor{"disk_" + slug(path), "Disk " + path, "%", "", func(s *snapshot.Snapshot) *float64 {
		for i := range s.Host.Mounts {
			if s.Host.Mounts[i].Path == path {
				return s.Host.Mounts[i].Percent
			}
		}
		return nil
	}}
}

func gpuValue(s *snapshot.Snapshot, f func(*snapshot.GPU) *float64) *float64 {
	if s.GPU == nil {
		return nil
	}
	return f(s.GPU)
}

func p95(l *snapshot.Latency) *float64 {
	if l == nil {
		return nil
	}
	return l.P95
}

func queueDepth(s *snapshot.Snapshot, f func(*snapshot.Queues) *int64) *float64 {
	if s.Inference.Queues == nil {
		return nil
	}
	v := f(s.Inference.Queues)
	if v == nil {
		return nil
	}
	x := float64(*v)
	return &x
}

// slug turns a name into a topic and id segment: "/" is root, "/mnt/rec" mnt_rec,
// anything outside [a-z0-9_-] becomes "_".
func slug(name string) string {
	if name == "/" {
		return "root"
	}
	var b strings.Builder
	for _, r := range strings.ToLower(strings.Trim(name, "/")) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "unnamed"
	}
	return b.String()
}
