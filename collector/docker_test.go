package collector

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
)

// fakeEngine serves the Engine API's shapes (as Docker 27 answers them) over a unix
// socket in a temporary directory: GET /version, /containers/json, /containers/{id}/json
// and /containers/{id}/stats. It records every method it was asked with.
type fakeEngine struct {
	socket string
	mu     sync.Mutex
	// cpu is each container's CPU counter (ns); the system counter moves 2 s × 4 CPUs
	// per tick.
	cpu     map[string]uint64
	system  uint64
	methods map[string]int
	paths   map[string]int
	// conns counts the connections the engine accepted.
	conns int
	// changed replaces a recorded container, by ID (list and inspection).
	changed map[string]engineContainer
}

// container is c as the engine shows it now.
func (f *fakeEngine) container(c engineContainer) engineContainer {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n, ok := f.changed[c.id]; ok {
		return n
	}
	return c
}

// engineContainer is one recorded container: its list entry and inspection.
type engineContainer struct {
	id, name, service, state string
	health, healthOutput     string
	restarts, exitCode       int64
	oom                      bool
}

// stackContainers are six compose services in the five states (and one more exit).
var stackContainers = []engineContainer{
	{id: "b1" + strings.Repeat("0", 62), name: "hsi-backend-1", service: "backend", state: "running", health: "healthy"},
	{id: "f1" + strings.Repeat("0", 62), name: "hsi-frontend-1", service: "frontend", state: "running"},
	{id: "3f2a1b4c5d6e" + strings.Repeat("0", 52), name: "hsi-ai-llm-1", service: "ai-llm", state: "restarting", restarts: 5, exitCode: 1},
	{id: "de" + strings.Repeat("0", 62), name: "hsi-ai-detector-1", service: "ai-detector", state: "running", health: "unhealthy",
		healthOutput: "curl: (7) Failed to connect to localhost port 8090\n"},
	{id: "7e" + strings.Repeat("0", 62), name: "hsi-redis-1", service: "redis", state: "exited", exitCode: 137, oom: true},
	{id: "9a" + strings.Repeat("0", 62), name: "hsi-postgres-1", service: "postgres", state: "exited", exitCode: 0},
	{id: "99" + strings.Repeat("0", 62), name: "someone-elses", service: "", state: "running"},
}

func startFakeEngine(t testing.TB) *fakeEngine {
	t.Helper()
	dir, err := os.MkdirTemp("", "eng") // short: a unix socket path has at most 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	f := &fakeEngine{socket: filepath.Join(dir, "docker.sock"), cpu: map[string]uint64{}, system: 1e12,
		methods: map[string]int{}, paths: map[string]int{}}
	ln, err := net.Listen("unix", f.socket)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	srv.Listener = ln
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			f.mu.Lock()
			f.conns++
			f.mu.Unlock()
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return f
}

// engineSource is the Engine API source of the default configuration reading eng, closed
// when the test ends.
func engineSource(tb testing.TB, eng *fakeEngine) *DockerSource {
	tb.Helper()
	src, why := NewDockerSourceFor(withSocket(config.Default(), eng.socket), time.Second)
	if src == nil {
		tb.Fatalf("no Engine API source: %s", why)
	}
	tb.Cleanup(func() { src.Close() })
	return src
}

// tick moves the counters: every running container used 1 s of CPU over 2 s (50 % of
// one CPU), the host's 4 CPUs 8 s.
func (f *fakeEngine) tick() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.system += 8e9
	for _, c := range stackContainers {
		f.cpu[c.id] += 1e9
	}
}

func (f *fakeEngine) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.methods[r.Method]++
	f.paths[r.URL.Path]++
	system := f.system
	cpu := map[string]uint64{}
	for k, v := range f.cpu {
		cpu[k] = v
	}
	f.mu.Unlock()
	enc := json.NewEncoder(w)
	switch p := r.URL.Path; {
	case p == "/version":
		enc.Encode(map[string]any{"Version": "27.3.1", "ApiVersion": "1.47", "Components": []map[string]any{{"Name": "Engine", "Version": "27.3.1"}}})
	case p == "/containers/json":
		var list []map[string]any
		for _, c := range stackContainers {
			c = f.container(c)
			status := "Up 2 hours"
			if c.health != "" {
				status += " (" + c.health + ")"
			}
			labels := map[string]string{"com.docker.compose.project": "hsi"}
			if c.service != "" {
				labels["com.docker.compose.service"] = c.service
			}
			list = append(list, map[string]any{"Id": c.id, "Names": []string{"/" + c.name}, "Image": "ghcr.io/hsi/" + c.service + ":1",
				"State": c.state, "Status": status, "Labels": labels})
		}
		enc.Encode(list)
	case strings.HasSuffix(p, "/json"):
		c, ok := findContainer(strings.TrimSuffix(strings.TrimPrefix(p, "/containers/"), "/json"))
		if !ok {
			http.Error(w, `{"message":"No such container"}`, http.StatusNotFound)
			return
		}
		c = f.container(c)
		state := map[string]any{"Status": c.state, "Running": c.state == "running", "Restarting": c.state == "restarting",
			"OOMKilled": c.oom, "ExitCode": c.exitCode, "StartedAt": "2026-12-01T06:00:00.123456789Z", "FinishedAt": "0001-01-01T00:00:00Z"}
		if c.health != "" {
			state["Health"] = map[string]any{"Status": c.health, "FailingStreak": 3, "Log": []map[string]any{
				{"ExitCode": 0, "Output": "ok"}, {"ExitCode": 1, "Output": c.healthOutput}}}
		}
		enc.Encode(map[string]any{"Id": c.id, "Name": "/" + c.name, "RestartCount": c.restarts, "State": state,
			"Config": map[string]any{"Env": []string{"SECRET_TOKEN=hunter2"}}})
	case strings.HasSuffix(p, "/stats"):
		c, _ := findContainer(strings.TrimSuffix(strings.TrimPrefix(p, "/containers/"), "/stats"))
		enc.Encode(map[string]any{
			"cpu_stats":    map[string]any{"cpu_usage": map[string]any{"total_usage": cpu[c.id]}, "system_cpu_usage": system, "online_cpus": 4},
			"precpu_stats": map[string]any{"cpu_usage": map[string]any{"total_usage": 0}},
			"memory_stats": map[string]any{"usage": 300 << 20, "limit": 2 << 30, "stats": map[string]any{"inactive_file": 44 << 20}},
		})
	default:
		http.NotFound(w, r)
	}
}

func findContainer(id string) (engineContainer, bool) {
	for _, c := range stackContainers {
		if c.id == id {
			return c, true
		}
	}
	return engineContainer{}, false
}

// runtimeSnapshot runs the Engine API source (and no probes) into the container rows of
// the default configuration, as the engine would.
func runtimeSnapshot(t *testing.T, src *DockerSource, stage *ContainersStage, vram *VRAMStage, gpus []snapshot.GPU) *snapshot.Snapshot {
	t.Helper()
	res, err := src.Collect(context.Background())
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	s := Assemble(time.Unix(1_800_000_000, 0), 0, map[snapshot.SourceName]Result{src.Name(): res})
	s.GPUs = gpus
	stage.Process(s)
	vram.Process(s)
	return s
}

func TestDockerEngineAPIStates(t *testing.T) {
	eng := startFakeEngine(t)
	cfg := config.Default()
	src := engineSource(t, eng)
	stage, vram := NewContainersStage(ContainerRows(cfg)), NewVRAMStage(cfg)
	gpu := snapshot.GPU{Index: 0, Name: "RTX", MemoryUsedBytes: snapshot.U(20 * gib), MemoryTotalBytes: snapshot.U(24 * gib),
		Processes: []snapshot.GPUProcess{{PID: 4242, Service: "llama-server (docker 3f2a1b4c5d6e)", UsedBytes: snapshot.U(18 * gib)}}}
	runtimeSnapshot(t, src, stage, vram, []snapshot.GPU{gpu})
	eng.tick()
	s := runtimeSnapshot(t, src, stage, vram, []snapshot.GPU{gpu})

	if s.ContainerRuntime.Socket != eng.socket || s.ContainerRuntime.Engine != "Docker 27.3.1" {
		t.Errorf("runtime = %+v", s.ContainerRuntime)
	}
	want := map[string]struct{ state, errMsg, page string }{
		"backend":     {StateHealthy, "", snapshot.HealthHealthy},
		"frontend":    {StateHealthy, "", snapshot.HealthHealthy},
		"ai-llm":      {StateUnhealthy, "restarting (5 restarts)", snapshot.HealthUnhealthy},
		"ai-detector": {StateUnhealthy, "health check failing: curl: (7) Failed to connect to localhost port 8090", snapshot.HealthUnhealthy},
		"redis":       {StateUnreachable, "exited (exit code 137), OOM-killed: the container ran out of its memory limit", snapshot.HealthUnhealthy},
		"postgres":    {StateUnreachable, "exited (exit code 0)", snapshot.HealthUnhealthy},
	}
	page := map[string]string{}
	for _, c := range wire.Page(s).Containers {
		page[c.Name] = c.Health
	}
	for _, c := range s.Containers {
		w := want[c.Name]
		if c.State != w.state || c.Error != w.errMsg || c.Probe != ProbeEngineAPI || c.Runtime == nil {
			t.Errorf("%s = state %q error %q probe %q, want %q %q via the Engine API", c.Name, c.State, c.Error, c.Probe, w.state, w.errMsg)
		}
		if page[c.Name] != w.page {
			t.Errorf("%s: the page's health = %q, want %q", c.Name, page[c.Name], w.page)
		}
	}
	rows := map[string]*snapshot.RuntimeInfo{}
	for _, c := range s.Containers {
		rows[c.Name] = c.Runtime
	}
	if r := rows["redis"]; !r.OOMKilled || *r.ExitCode != 137 || r.CPUPercent != nil {
		t.Errorf("redis runtime = %+v, want OOM-killed, exit 137, no CPU (not running)", r)
	}
	b := rows["backend"]
	if b.ID != "b10000000000" || b.Service != "backend" || b.Name != "hsi-backend-1" || *b.RestartCount != 0 ||
		b.StartedAt == nil || !b.StartedAt.Equal(time.Date(2026, 12, 1, 6, 0, 0, 123456789, time.UTC)) {
		t.Errorf("backend runtime = %+v", b)
	}
	// 1 s of CPU in 8 s of 4 CPUs' time: 12.5 % of the host, 50 % of one CPU.
	if b.CPUPercent == nil || *b.CPUPercent != 50 || b.MemoryBytes == nil || *b.MemoryBytes != 256<<20 || *b.MemoryLimitBytes != 2<<30 {
		t.Errorf("backend stats = cpu %v mem %v / %v, want 50%%, 256 MiB of 2 GiB", fmtPtr(b.CPUPercent), fmtU(b.MemoryBytes), fmtU(b.MemoryLimitBytes))
	}
	if h := rows["ai-detector"]; h.Health != "unhealthy" || h.HealthOutput != "curl: (7) Failed to connect to localhost port 8090" {
		t.Errorf("detector health = %q %q", h.Health, h.HealthOutput)
	}
	// The GPU process is named by its compose service through the API.
	if p := s.GPUs[0].Processes[0]; p.Service != "ai-llm" || s.GPUs[0].Services[0].Service != "ai-llm" {
		t.Errorf("GPU process = %q, services %+v, want ai-llm", p.Service, s.GPUs[0].Services)
	}
	if gpu.Processes[0].Service != "llama-server (docker 3f2a1b4c5d6e)" {
		t.Error("renaming changed the source's process list in place")
	}
	js, _ := json.Marshal(wire.Performance(s))
	if strings.Contains(string(js), "hunter2") {
		t.Error("a container's environment reached the snapshot")
	}
	eng.mu.Lock()
	defer eng.mu.Unlock()
	if len(eng.methods) != 1 || eng.methods[http.MethodGet] == 0 {
		t.Errorf("methods used on the socket: %v, want GET only", eng.methods)
	}
	if n := eng.paths["/version"]; n != 1 {
		t.Errorf("/version asked %d times, want once", n)
	}
}

func withSocket(cfg config.Config, socket string) config.Config {
	cfg.ContainersRuntime.Socket = socket
	return cfg
}

// TestDockerFallsBackToProbes: without an answering socket the rows keep their probes.
func TestDockerFallsBackToProbes(t *testing.T) {
	dir, _ := os.MkdirTemp("", "eng")
	defer os.RemoveAll(dir)
	src := NewDockerSource(filepath.Join(dir, "none.sock"), []string{"backend"}, time.Second)
	defer src.Close()
	_, err := src.Collect(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Engine API at") {
		t.Fatalf("Collect on a missing socket: %v", err)
	}
	s := snapshot.New(time.Unix(1_800_000_000, 0))
	s.Sources = []snapshot.SourceStatus{{Source: SourceContainersRuntime, OK: false, Error: err.Error()}}
	probed := snapshot.Container{Name: "backend", State: StateHealthy, Probe: "http://localhost:8000/health"}
	if c := applyRuntime(s, "backend", probed); c.State != StateHealthy || c.Probe != probed.Probe || c.Runtime != nil {
		t.Errorf("row without the API = %+v, want the probe's", c)
	}
}

func TestFindEngineSocket(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	has := func(paths ...string) func(string) bool {
		return func(p string) bool {
			for _, x := range paths {
				if p == x {
					return true
				}
			}
			return false
		}
	}
	for _, tc := range []struct {
		name, configured string
		env              map[string]string
		exists           func(string) bool
		want, why        string
	}{
		{"configured wins", "/run/custom.sock", map[string]string{"DOCKER_HOST": "unix:///x.sock"}, has(), "/run/custom.sock", ""},
		{"DOCKER_HOST unix", "", map[string]string{"DOCKER_HOST": "unix:///run/user/1000/docker.sock"}, has(), "/run/user/1000/docker.sock", ""},
		{"DOCKER_HOST tcp refused", "", map[string]string{"DOCKER_HOST": "tcp://10.0.0.5:2375"}, has("/var/run/docker.sock"), "",
			"DOCKER_HOST tcp://10.0.0.5:2375 is not a unix:// socket: hsi-top reads only a local Engine API socket"},
		{"docker.sock", "", nil, has("/var/run/docker.sock", "/run/user/1000/podman/podman.sock"), "/var/run/docker.sock", ""},
		{"rootless podman", "", map[string]string{"XDG_RUNTIME_DIR": "/run/user/1000"}, has("/run/user/1000/podman/podman.sock"),
			"/run/user/1000/podman/podman.sock", ""},
		{"none", "", map[string]string{"XDG_RUNTIME_DIR": "/run/user/1000"}, has(), "", "no Docker or Podman socket found"},
	} {
		got, why := FindEngineSocket(tc.configured, env(tc.env), tc.exists)
		if got != tc.want || why != tc.why {
			t.Errorf("%s: %q %q, want %q %q", tc.name, got, why, tc.want, tc.why)
		}
	}
}

func TestRuntimeStateWords(t *testing.T) {
	restarts := int64(2)
	for _, tc := range []struct {
		info          snapshot.RuntimeInfo
		state, reason string
		decided       bool
	}{
		{snapshot.RuntimeInfo{State: "running", Health: "starting"}, StateStarting, "health check starting", true},
		{snapshot.RuntimeInfo{State: "running", Health: "none"}, StateHealthy, "", false},
		{snapshot.RuntimeInfo{State: "paused"}, StateUnhealthy, "paused", true},
		{snapshot.RuntimeInfo{State: "restarting", RestartCount: &restarts, OOMKilled: true}, StateUnhealthy, "restarting (2 restarts), OOM-killed", true},
		{snapshot.RuntimeInfo{State: "created"}, StateStarting, "created, not started", true},
		{snapshot.RuntimeInfo{State: "dead"}, StateUnreachable, "dead", true},
		{snapshot.RuntimeInfo{State: "weird"}, StateUnknown, "runtime state weird", true},
	} {
		state, reason, decided := RuntimeState(tc.info)
		if state != tc.state || reason != tc.reason || decided != tc.decided {
			t.Errorf("%+v: %q %q %v, want %q %q %v", tc.info, state, reason, decided, tc.state, tc.reason, tc.decided)
		}
	}
}

// The Engine API's connections are kept from tick to tick: the rows' side-by-side
// inspects and stats reuse them instead of dialling the socket again each time.
func TestDockerKeepsConnections(t *testing.T) {
	eng := startFakeEngine(t)
	src := engineSource(t, eng)
	for range 5 {
		if _, err := src.Collect(t.Context()); err != nil {
			t.Fatal(err)
		}
		eng.tick()
	}
	eng.mu.Lock()
	defer eng.mu.Unlock()
	// Six rows, one list: at most a connection for each request of one collection.
	if eng.conns < 1 || eng.conns > engineConns {
		t.Errorf("five collections opened %d connections, want them kept (at most %d)", eng.conns, engineConns)
	}
	if got := eng.paths["/containers/json"]; got != 5 {
		t.Errorf("listed %d times in five collections", got)
	}
}

// An inspection is reused while the list shows the container unchanged, for at most
// ReinspectEvery; a new state or health in the list is inspected at once.
func TestDockerReusesInspections(t *testing.T) {
	eng := startFakeEngine(t)
	src := engineSource(t, eng)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	src.now = func() time.Time { return now }
	backend, detector := stackContainers[0], stackContainers[3]
	inspections := func(c engineContainer) int {
		eng.mu.Lock()
		defer eng.mu.Unlock()
		return eng.paths["/containers/"+c.id+"/json"]
	}
	health := func(name string) string {
		t.Helper()
		res, err := src.Collect(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		s := snapshot.New(now)
		res.Apply(s)
		for _, c := range s.ContainerRuntime.Containers {
			if c.Service == name {
				return c.Health
			}
		}
		t.Fatalf("no %s in %+v", name, s.ContainerRuntime.Containers)
		return ""
	}
	for range 3 {
		health("backend")
		now = now.Add(time.Second)
	}
	if n := inspections(backend); n != 1 {
		t.Errorf("backend inspected %d times in 3 s, want once", n)
	}
	changed := detector
	changed.health = "healthy"
	eng.mu.Lock()
	eng.changed = map[string]engineContainer{detector.id: changed}
	eng.mu.Unlock()
	if h := health("ai-detector"); h != "healthy" || inspections(detector) != 2 {
		t.Errorf("after the list's health changed: %q, %d inspections, want healthy from a second one", h, inspections(detector))
	}
	now = now.Add(ReinspectEvery)
	health("backend")
	if n := inspections(backend); n != 2 {
		t.Errorf("backend inspected %d times after %s, want a second time", n, ReinspectEvery)
	}
}
