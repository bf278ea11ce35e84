package collector

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

func TestClassifyProbe(t *testing.T) {
	for _, c := range []struct {
		status int
		err    error
		state  string
	}{
		{200, nil, StateHealthy}, {204, nil, StateHealthy}, {503, nil, StateStarting}, {500, nil, StateUnhealthy},
		{404, nil, StateUnhealthy}, {0, syscall.ECONNREFUSED, StateUnreachable},
		{0, errors.New("connection refused"), StateUnreachable}, {0, context.DeadlineExceeded, StateUnhealthy},
	} {
		if got, _ := ClassifyProbe(c.status, c.err); got != c.state {
			t.Errorf("ClassifyProbe(%d, %v) = %s, want %s", c.status, c.err, got, c.state)
		}
	}
	for state, want := range map[string][2]string{
		StateHealthy: {"running", "healthy"}, StateStarting: {"running", "starting"}, StateUnhealthy: {"running", "unhealthy"},
		StateUnreachable: {"exited", "none"}, StateUnknown: {"unknown", "none"},
	} {
		if s, h := PageContainerStatus(state); s != want[0] || h != want[1] {
			t.Errorf("%s → %s/%s, want %v", state, s, h, want)
		}
	}
	for status, want := range map[string]string{
		"healthy": StateHealthy, "ok": StateHealthy, "loading": StateStarting, "degraded": StateUnhealthy,
		"unhealthy": StateUnhealthy, "unreachable": StateUnreachable,
	} {
		if got := SectionState(status); got != want {
			t.Errorf("SectionState(%s) = %s, want %s", status, got, want)
		}
	}
}

func TestContainersEndToEnd(t *testing.T) {
	handler := func(code int) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/health" {
				http.NotFound(w, r)
				return
			}
			w.WriteHeader(code)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	backend, frontend, broken := handler(200), handler(503), handler(500)
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := gone.URL + "/health"
	gone.Close()

	cfg := config.Default()
	cfg.Backend.URL = config.SecretURL(backend.URL)
	cfg.Frontend.URL = config.SecretURL(frontend.URL + "/")
	cfg.Containers = append(cfg.Containers,
		config.ContainerConfig{Name: "worker", Probe: config.SecretURL(broken.URL + "/health")},
		config.ContainerConfig{Name: "gone", Probe: config.SecretURL(goneURL)})
	src := NewContainersSource(ContainerRows(cfg), reqTimeouts(ContainerProbeTimeout))
	stage := NewContainersStage(ContainerRows(cfg))
	llmStatus := snapshot.StatusLoading
	fake := SourceFunc{SourceName: "llm", Fn: func(context.Context) (Result, error) {
		st := llmStatus
		return Result{Apply: func(s *snapshot.Snapshot) { s.AIModels.Nemotron.Status = st }}, nil
	}}
	pg := SourceFunc{SourceName: "postgres", Fn: func(context.Context) (Result, error) {
		return Result{}, errors.New("postgres connect: connection refused")
	}}
	eng := newTestEngine(t, []Stage{stage}, fake, pg, src)

	s := eng.Tick(context.Background())
	want := []struct{ name, state, status, health string }{
		{"backend", StateHealthy, "running", "healthy"},
		{"frontend", StateStarting, "running", "starting"},
		{"postgres", StateUnreachable, "exited", "none"},
		{"redis", StateUnknown, "unknown", "none"},
		{"ai-detector", StateUnknown, "unknown", "none"},
		{"ai-llm", StateStarting, "running", "starting"},
		{"worker", StateUnhealthy, "running", "unhealthy"},
		{"gone", StateUnreachable, "exited", "none"},
	}
	if len(s.Containers) != len(want) {
		t.Fatalf("rows = %+v", s.Containers)
	}
	for i, w := range want {
		c := s.Containers[i]
		if c.Name != w.name || c.State != w.state || c.Status != w.status || c.Health != w.health {
			t.Errorf("row %d = %+v, want %+v", i, c, w)
		}
		if len(c.Timeline) != 1 || c.Timeline[0] != w.state || c.LastChange != nil {
			t.Errorf("row %s timeline %v, last change %v", c.Name, c.Timeline, c.LastChange)
		}
	}
	if s.Containers[0].LatencyMS == nil || s.Containers[0].Probe != backend.URL+"/health" {
		t.Errorf("backend row = %+v", s.Containers[0])
	}
	if s.Containers[2].Error != "postgres: postgres connect: connection refused" {
		t.Errorf("postgres row error = %q", s.Containers[2].Error)
	}
	if s.Containers.Unhealthy() != 3 {
		t.Errorf("unhealthy = %d, want 3 (postgres, worker, gone)", s.Containers.Unhealthy())
	}

	llmStatus = "healthy"
	s = eng.Tick(context.Background())
	llm := s.Containers[5]
	if llm.State != StateHealthy || len(llm.Timeline) != 2 || llm.Timeline[0] != StateStarting || llm.LastChange == nil ||
		!llm.LastChange.Equal(s.Timestamp.Time) {
		t.Fatalf("llm row = %+v", llm)
	}
	if s.Containers[0].LastChange != nil {
		t.Error("an unchanged row has no last change")
	}
}

func TestContainersStageTimelineCap(t *testing.T) {
	cfg := config.Default()
	cfg.Containers = []config.ContainerConfig{{Name: "redis", Probe: "redis"}}
	stage := NewContainersStage(ContainerRows(cfg))
	start := time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC)
	var prev *snapshot.Snapshot
	for i := 0; i < 75; i++ {
		s := snapshot.New(start.Add(time.Duration(i) * 5 * time.Second))
		s.Sources = []snapshot.SourceStatus{{Source: "redis", OK: true}}
		s.Databases.Redis.Status = snapshot.StatusHealthy
		if i%2 == 1 {
			s.Databases.Redis.Status = snapshot.StatusUnreachable
		}
		stage.Process(s)
		if prev != nil && len(prev.Containers[0].Timeline) != min(i, TimelineLength) {
			t.Fatalf("an earlier snapshot's timeline changed: %d entries", len(prev.Containers[0].Timeline))
		}
		prev = s
	}
	row := prev.Containers[0]
	if len(row.Timeline) != TimelineLength || row.Timeline[TimelineLength-1] != StateHealthy || row.Timeline[TimelineLength-2] != StateUnreachable {
		t.Fatalf("timeline (%d) = %v", len(row.Timeline), row.Timeline)
	}
	if !row.LastChange.Equal(start.Add(74 * 5 * time.Second)) {
		t.Fatalf("last change = %v", row.LastChange)
	}
}

func TestContainersProbeTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	cfg := config.Default()
	cfg.Containers = []config.ContainerConfig{{Name: "slow", Probe: config.SecretURL(srv.URL)}}
	src := NewContainersSource(ContainerRows(cfg), reqTimeouts(ContainerProbeTimeout))
	defer src.Close()
	res, err := src.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot.New(time.Now())
	res.Apply(s)
	if len(s.Containers) != 1 || s.Containers[0].State != StateUnhealthy || s.Containers[0].Error != "timeout" {
		t.Fatalf("rows = %+v", s.Containers)
	}
}

// A probe that hangs past its sub-deadline makes only its own row unhealthy with
// "timeout": the source stays fresh and the other rows keep their health.
func TestContainersHangingProbe(t *testing.T) {
	release := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hanging.Close()
	defer close(release)
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ok.Close()
	cfg := config.Default()
	cfg.Backend.URL, cfg.Frontend.URL = config.SecretURL(hanging.URL), config.SecretURL(ok.URL)
	cfg.Interval, cfg.SourceTimeout = config.Duration(time.Second), config.Duration(400*time.Millisecond)
	src := NewContainersSource(ContainerRows(cfg), TimeoutsFor(cfg.Interval.D(), cfg.SourceTimeout.D()))
	defer src.Close()
	eng, err := NewEngine(Options{Interval: cfg.Interval.D(), Timeout: cfg.SourceTimeout.D(), Stages: []Stage{NewContainersStage(ContainerRows(cfg))}}, src)
	if err != nil {
		t.Fatal(err)
	}
	s := eng.Tick(context.Background())
	if !Fresh(s, "containers") {
		st, _ := s.Source("containers")
		t.Fatalf("the source missed the tick: %+v", st)
	}
	if c := s.Containers[0]; c.Name != "backend" || c.State != StateUnhealthy || c.Error != "timeout" {
		t.Errorf("backend row = %+v, want unhealthy: timeout (it accepted the connection)", c)
	}
	if c := s.Containers[1]; c.Name != "frontend" || c.State != StateHealthy {
		t.Errorf("frontend row = %+v, want healthy", c)
	}
}

// Timelines share storage between snapshots, yet every snapshot's timeline is its own
// last 60 states and never changes afterwards, across buffer replacements too.
func TestContainerTimelinesImmutableAndShared(t *testing.T) {
	cfg := config.Default()
	cfg.Containers = []config.ContainerConfig{{Name: "postgres", Probe: "postgres"}}
	stage := NewContainersStage(ContainerRows(cfg))
	state := func(i int) string {
		if i%7 < 3 {
			return snapshot.StatusUnreachable
		}
		return snapshot.HealthHealthy
	}
	var snaps []*snapshot.Snapshot
	ticks := 3*timelineBuffer + 17
	for i := range ticks {
		s := snapshot.New(time.Unix(int64(i), 0))
		s.Sources = []snapshot.SourceStatus{{Source: "postgres", OK: true}}
		s.Databases.PostgreSQL.Status = snapshot.StatusHealthy
		if state(i) != snapshot.HealthHealthy {
			s.Databases.PostgreSQL.Status = snapshot.StatusUnreachable
		}
		stage.Process(s)
		snaps = append(snaps, s)
	}
	for i, s := range snaps {
		tl := s.Containers[0].Timeline
		want := min(i+1, TimelineLength)
		if len(tl) != want || cap(tl) != len(tl) {
			t.Fatalf("tick %d: timeline len %d cap %d, want %d", i, len(tl), cap(tl), want)
		}
		for j, got := range tl {
			if w := state(i - len(tl) + 1 + j); got != w {
				t.Fatalf("tick %d, cell %d: %q, want %q (a later tick overwrote it)", i, j, got, w)
			}
		}
	}
	if &snaps[ticks-1].Containers[0].Timeline[0] != &snaps[ticks-2].Containers[0].Timeline[1] {
		t.Error("consecutive snapshots do not share their timeline storage")
	}
}
