package wire

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestBuildStatusHealth(t *testing.T) {
	healthyRows := func() snapshot.Containers {
		return snapshot.Containers{
			{Name: "backend", State: "healthy", Health: "healthy"},
			{Name: "redis", State: "healthy", Health: "healthy"},
			{Name: "nginx", Health: "none"},
		}
	}
	for _, tc := range []struct {
		name  string
		edit  func(s *snapshot.Snapshot)
		stale bool
		want  string
	}{
		{"all healthy", func(s *snapshot.Snapshot) {}, false, "healthy"},
		{"warning alert only", func(s *snapshot.Snapshot) {
			s.Alerts = []snapshot.Alert{{Severity: "warning", Metric: "gpu_vram"}}
		}, false, "healthy"},
		{"critical alert", func(s *snapshot.Snapshot) {
			s.Alerts = []snapshot.Alert{{Severity: "critical", Metric: "gpu_temperature"}}
		}, false, "degraded"},
		{"one service down", func(s *snapshot.Snapshot) { s.Containers[0].State = "unreachable" }, false, "degraded"},
		{"one service starting", func(s *snapshot.Snapshot) {
			s.Containers[1] = snapshot.Container{Name: "ai-llm", Health: "starting", State: "starting"}
		}, false, "healthy"},
		{"one row unhealthy by the page's health only", func(s *snapshot.Snapshot) {
			s.Containers[1] = snapshot.Container{Name: "x", Health: "unhealthy"}
		}, false, "degraded"},
		{"one service not probed", func(s *snapshot.Snapshot) { s.Containers[0].State = "unknown" }, false, "healthy"},
		{"two services down", func(s *snapshot.Snapshot) {
			s.Containers[0].State = "unreachable"
			s.Containers[1].State = "unhealthy"
		}, false, "unhealthy"},
		{"critical worker stopped", func(s *snapshot.Snapshot) {
			s.Workers.List = []snapshot.Worker{{Name: "detection_worker", Running: false}, {Name: "cleanup_service", Running: true}}
		}, false, "unhealthy"},
		{"non-critical worker stopped", func(s *snapshot.Snapshot) {
			s.Workers.List = []snapshot.Worker{{Name: "cleanup_service", Running: false}}
		}, false, "healthy"},
		{"collector stalled", func(s *snapshot.Snapshot) {}, true, "unhealthy"},
	} {
		s := snapshot.New(t0)
		s.Containers = healthyRows()
		tc.edit(s)
		if got := Status(s, tc.stale).Health; got != tc.want {
			t.Errorf("%s: health %s, want %s", tc.name, got, tc.want)
		}
	}
	if got := Status(nil, true).Health; got != "degraded" {
		t.Errorf("no snapshot: health %s, want degraded", got)
	}
}

func TestBuildStatusNumbers(t *testing.T) {
	s := snapshot.New(t0)
	s.GPU = &snapshot.GPU{Name: "A", Utilization: snapshot.F(50), MemoryUsedBytes: snapshot.U(3 << 29),
		MemoryTotalBytes: snapshot.U(8 << 30), Temperature: snapshot.F(61)}
	s.Inference.Throughput = &snapshot.Throughput{ImagesPerMin: snapshot.F(90)}
	s.Inference.Queues = &snapshot.Queues{Detection: snapshot.I(7)}
	s.AIModels.DetectorKey = "yolo26"
	s.AIModels.Detector.Status = "healthy"
	s.AIModels.Nemotron.Status = "loading"
	d := Status(s, false)
	if *d.GPU.MemoryUsed != 1536 || *d.GPU.MemoryTotal != 8192 || *d.GPU.InferenceFPS != 1.5 || *d.GPU.Utilization != 50 {
		t.Errorf("gpu = %+v", d.GPU)
	}
	if *d.Queue.Pending != 7 || d.Queue.Processing != nil {
		t.Errorf("queue = %+v, want pending 7 and processing unknown", d.Queue)
	}
	b, err := json.Marshal(d.AI)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"status":"degraded","yolo26":"healthy","nemotron":"loading"}` {
		t.Errorf("ai = %s", b)
	}
	if d.Cameras.Active != nil {
		t.Error("unknown cameras are not null")
	}
}

func TestAIHealth(t *testing.T) {
	for _, tc := range []struct{ det, llm, want string }{
		{"healthy", "healthy", "healthy"},
		{"healthy", "loading", "degraded"},
		{"unreachable", "healthy", "degraded"},
		{"unreachable", "unreachable", "unhealthy"},
		{"degraded", "unhealthy", "unhealthy"},
		{"unreachable", "loading", "degraded"},
	} {
		if got := AIHealth(tc.det, tc.llm); got != tc.want {
			t.Errorf("AIHealth(%s, %s) = %s, want %s", tc.det, tc.llm, got, tc.want)
		}
	}
}

// TestStatusHealthFollowsContainerLevels: the services-down levels come from the
// container_health rule carried in the snapshot, not from a constant.
func TestStatusHealthFollowsContainerLevels(t *testing.T) {
	s := snapshot.New(t0)
	s.Containers = snapshot.Containers{{Name: "a", State: "unreachable"}, {Name: "b", State: "unhealthy"}, {Name: "c", State: "healthy"}}
	if got := Status(s, false).Health; got != HealthUnhealthy {
		t.Errorf("default levels, two down: %s, want unhealthy", got)
	}
	s.ContainerLevels = snapshot.Levels{Warning: 2, Critical: 3}
	if got := Status(s, false).Health; got != HealthDegraded {
		t.Errorf("levels 2/3, two down: %s, want degraded", got)
	}
	s.ContainerLevels = snapshot.Levels{Warning: 3, Critical: 4}
	if got := Status(s, false).Health; got != HealthHealthy {
		t.Errorf("levels 3/4, two down: %s, want healthy", got)
	}
}
