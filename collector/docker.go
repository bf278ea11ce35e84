package collector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/rawio"
	"github.com/hsi-top/hsi-top/snapshot"
)

// SourceContainersRuntime is the Engine API source's name.
const SourceContainersRuntime snapshot.SourceName = "containers_runtime"

// maxEngineBody bounds one Engine API answer.
const maxEngineBody = 4 << 20

// FindEngineSocket returns the Engine API socket to read: the configured one, else
// DOCKER_HOST when it is a unix:// address (as the Docker CLI reads it), else
// /var/run/docker.sock, else $XDG_RUNTIME_DIR/podman/podman.sock, the first that exists.
// "" and a reason when there is none (the HTTP probes then stand alone).
func FindEngineSocket(configured string, getenv func(string) string, exists func(string) bool) (string, string) {
	if configured != "" {
		return strings.TrimPrefix(configured, "unix://"), ""
	}
	if host := getenv("DOCKER_HOST"); host != "" {
		if p, ok := strings.CutPrefix(host, "unix://"); ok {
			return p, ""
		}
		return "", "DOCKER_HOST " + config.RedactURL(host) + " is not a unix:// socket: hsi-top reads only a local Engine API socket"
	}
	candidates := []string{"/var/run/docker.sock"}
	if dir := getenv("XDG_RUNTIME_DIR"); dir != "" {
		candidates = append(candidates, filepath.Join(dir, "podman", "podman.sock"))
	}
	for _, c := range candidates {
		if exists(c) {
			return c, ""
		}
	}
	return "", "no Docker or Podman socket found"
}

// engineClient is a GET-only client of the Engine API over a unix socket. It has no
// other method: the socket is root-equivalent, and hsi-top only reads.
type engineClient struct {
	transport *connTransport // get writes its requests straight to kept connections
	timeout   time.Duration
	// pipelining is whether getAll still pipelines to this engine.
	pipelining pipelining
}

// engineConns is how many connections to the Engine API are kept alive: the rows'
// inspections are read side by side (and their stats too, from an engine that does not
// take pipelined requests), and net/http's Transport kept two, closing and dialling the
// others at every tick.
const engineConns = 8

func newEngineClient(socket string, timeout time.Duration) *engineClient {
	dialer := &net.Dialer{Timeout: timeout}
	dial := rawio.Dialer(func(ctx context.Context, _, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, "unix", socket)
	})
	// The requests are written and read on the calling goroutine (connTransport), each
	// within its own deadline on the connection (get).
	tr := newConnTransport(dial, getOnly{}, engineConns, 30*time.Second)
	return &engineClient{transport: tr, timeout: timeout}
}

// getOnly is the engine client's transport for anything but a plain GET: it refuses.
type getOnly struct{}

func (getOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	return nil, fmt.Errorf("Engine API: hsi-top only sends GET over http, not %s over %s", req.Method, req.URL.Scheme)
}

// get asks GET path and decodes the JSON answer into dst.
// The engine never redirects; an answer that tries is not HTTP 200 and fails.
func (c *engineClient) get(ctx context.Context, path string, dst any) error {
	resp, err := c.transport.Get(ctx, time.Now().Add(c.timeout), "engine", path, nil)
	if err != nil {
		return errors.New(ShortError(err))
	}
	defer resp.Body.Close()
	return decodeEngine(resp, path, dst)
}

// getAll asks GET of every path, pipelined on one connection (connTransport.GetAll)
// until the engine has once left one unanswered (pipelining), decoding answer i into
// dst(i); errs[i] is path i's failure.
func (c *engineClient) getAll(ctx context.Context, paths []string, dst func(i int) any) []error {
	all := func() []error {
		errs := c.transport.GetAll(ctx, time.Now().Add(c.timeout), "engine", paths, nil, func(i int, resp *http.Response) error {
			return decodeEngine(resp, paths[i], dst(i))
		})
		for i, err := range errs {
			if err != nil && !errors.Is(err, errNotAnswered) {
				errs[i] = errors.New(ShortError(err))
			}
		}
		return errs
	}
	return c.pipelining.ask(ctx, len(paths), all, func(i int) error { return c.get(ctx, paths[i], dst(i)) })
}

// decodeEngine reads an Engine API answer to path and decodes its JSON into dst.
func decodeEngine(resp *http.Response, path string, dst any) error {
	body, err := readUpTo(resp, maxEngineBody)
	if err != nil {
		return errors.New(ShortError(err))
	}
	if len(body) > maxEngineBody {
		return fmt.Errorf("%s: answer larger than %d MiB", path, maxEngineBody>>20)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", strings.SplitN(path, "?", 2)[0], resp.StatusCode)
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return fmt.Errorf("%s: not the Engine API's JSON (%s)", strings.SplitN(path, "?", 2)[0], ShortError(err))
	}
	return nil
}

// DockerSource reads the stack's containers from the Docker or Podman Engine API: for each
// configured row, the container whose compose service or name is the row's name, with its
// state, health check, restarts, OOM kill, exit code, start time and one-shot stats.
type DockerSource struct {
	socket string
	rows   []string
	client *engineClient

	mu      sync.Mutex // guards the fields below
	engine  string     // from /version, asked once
	prevCPU map[string]cpuReading
	// inspected is each listed container's last inspection, by ID.
	inspected map[string]inspection
	now       func() time.Time
}

// ReinspectEvery is the longest a container's inspection is reused: a restart, an OOM
// kill or a new exit code shows within it. A change of state or of health in the list,
// which is read every tick, is inspected at once.
const ReinspectEvery = 10 * time.Second

// inspection is one container's inspection and what the list said of it then.
type inspection struct {
	in            engineInspect
	state, health string // the list entry's State and healthMark
	at            time.Time
}

// NewDockerSource returns the Engine API source for the row names, reading socket.
func NewDockerSource(socket string, rows []string, timeout time.Duration) *DockerSource {
	return &DockerSource{socket: socket, rows: rows, client: newEngineClient(socket, timeout),
		prevCPU: map[string]cpuReading{}, inspected: map[string]inspection{}, now: time.Now}
}

// Name returns "containers_runtime".
func (d *DockerSource) Name() snapshot.SourceName { return SourceContainersRuntime }

// Close drops idle connections.
func (d *DockerSource) Close() error { d.client.transport.CloseIdleConnections(); return nil }

// Collect lists the containers, then inspects each row's container concurrently, then
// reads the running ones' one-shot stats (pipelined on one connection: readStats). A
// socket that does not answer is an error: the rows then fall back to their HTTP probes.
func (d *DockerSource) Collect(ctx context.Context) (Result, error) {
	var list []engineListed
	if err := d.client.get(ctx, "/containers/json?all=1", &list); err != nil {
		return Result{}, fmt.Errorf("Engine API at %s: %w", d.socket, err)
	}
	engine := d.version(ctx)
	var listed []engineListed
	for _, row := range d.rows {
		if c, ok := matchRow(list, row); ok {
			listed = append(listed, c)
		}
	}
	infos, found := d.readContainers(ctx, listed)
	kept := infos[:0]
	var running []engineListed
	var runningAt []int // each running container's entry in kept
	for i, info := range infos {
		if !found[i] {
			continue // removed between the list and now
		}
		if info.State == "running" {
			running, runningAt = append(running, listed[i]), append(runningAt, len(kept))
		}
		kept = append(kept, info)
	}
	d.readStats(ctx, running, kept, runningAt)
	d.forgetUnlisted(list)
	ids := make([]string, len(list))
	services := make([]string, len(list))
	for i, c := range list {
		ids[i], services[i] = c.ID, c.Labels.Service
		if services[i] == "" {
			services[i] = listedName(c)
		}
	}
	rt := snapshot.ContainerRuntime{Socket: d.socket, Engine: engine, Containers: kept, ServiceByID: idIndex(ids, services)}
	return Result{Via: "engine-api", Apply: func(s *snapshot.Snapshot) { s.ContainerRuntime = rt }}, nil
}

// version asks /version once (the engine does not change while its socket lives).
func (d *DockerSource) version(ctx context.Context) string {
	d.mu.Lock()
	engine := d.engine
	d.mu.Unlock()
	if engine != "" {
		return engine
	}
	var v engineVersion
	if d.client.get(ctx, "/version", &v) != nil {
		return ""
	}
	d.mu.Lock()
	d.engine = v.EngineName()
	d.mu.Unlock()
	return v.EngineName()
}

// readContainers is each listed container's info from its inspection: the last one
// where it still holds (lastInspection), else a new one, asked side by side with the
// others'; found[i] is false for a container removed between the list and now.
func (d *DockerSource) readContainers(ctx context.Context, listed []engineListed) (infos []snapshot.RuntimeInfo, found []bool) {
	infos, found = make([]snapshot.RuntimeInfo, len(listed)), make([]bool, len(listed))
	var wg sync.WaitGroup
	for i, c := range listed {
		if in, ok := d.lastInspection(c); ok {
			infos[i], found[i] = d.readContainer(c, in), true
			continue
		}
		wg.Go(func() {
			if in, ok := d.inspect(ctx, c); ok {
				infos[i], found[i] = d.readContainer(c, in), true
			}
		})
	}
	wg.Wait()
	return infos, found
}

// readContainer is c's info from its inspection; a container that does not run has no
// CPU reading to compare the next one with.
func (d *DockerSource) readContainer(c engineListed, in engineInspect) snapshot.RuntimeInfo {
	info := runtimeInfo(c, in)
	if info.State != "running" {
		d.mu.Lock()
		delete(d.prevCPU, c.ID)
		d.mu.Unlock()
	}
	return info
}

// readStats reads the one-shot stats of the running containers into their infos
// (running[i]'s at infos[at[i]]). The requests go out together on one connection, which
// the Engine API (Go's HTTP server, Docker's and Podman's alike) answers in order; an
// engine that ends the connection before answering them all is asked the rest one by one
// from then on, each on a connection of its own.
func (d *DockerSource) readStats(ctx context.Context, running []engineListed, infos []snapshot.RuntimeInfo, at []int) {
	if len(running) == 0 {
		return
	}
	stats := make([]engineStats, len(running))
	errs := d.client.getAll(ctx, statsPaths(running), func(i int) any { return &stats[i] })
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, c := range running {
		if errs[i] != nil {
			continue
		}
		prev, ok := d.prevCPU[c.ID]
		var p *cpuReading
		if ok {
			p = &prev
		}
		d.prevCPU[c.ID] = applyStats(&infos[at[i]], stats[i], p)
	}
}

// statsPaths are the one-shot stats requests of the containers.
func statsPaths(cs []engineListed) []string {
	paths := make([]string, len(cs))
	for i, c := range cs {
		paths[i] = "/containers/" + url.PathEscape(c.ID) + "/stats?stream=false&one-shot=true"
	}
	return paths
}

// lastInspection is c's last inspection while the list shows the container in the same
// state and health and it is younger than ReinspectEvery.
func (d *DockerSource) lastInspection(c engineListed) (engineInspect, bool) {
	d.mu.Lock()
	last, ok := d.inspected[c.ID]
	d.mu.Unlock()
	if ok && last.state == c.State && last.health == c.healthMark() && d.now().Sub(last.at) < ReinspectEvery {
		return last.in, true
	}
	return engineInspect{}, false
}

// inspect asks the engine for c's inspection and keeps it (lastInspection); false when
// the container is gone.
func (d *DockerSource) inspect(ctx context.Context, c engineListed) (engineInspect, bool) {
	now, health := d.now(), c.healthMark()
	var in engineInspect
	if err := d.client.get(ctx, "/containers/"+url.PathEscape(c.ID)+"/json", &in); err != nil {
		return engineInspect{}, false
	}
	d.mu.Lock()
	d.inspected[c.ID] = inspection{in: in, state: c.State, health: health, at: now}
	d.mu.Unlock()
	return in, true
}

// forgetUnlisted drops the inspections of containers the list no longer has.
func (d *DockerSource) forgetUnlisted(list []engineListed) {
	listed := make(map[string]bool, len(list))
	for _, c := range list {
		listed[c.ID] = true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for id := range d.inspected {
		if !listed[id] {
			delete(d.inspected, id)
		}
	}
}

// idIndex maps each container's short ID to its compose service (or name).
func idIndex(ids, services []string) map[string]string {
	m := make(map[string]string, len(ids))
	for i, id := range ids {
		if services[i] != "" {
			m[shortID(id)] = services[i]
		}
	}
	return m
}

// socketExists reports whether path is a socket hsi-top may try.
func socketExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode()&os.ModeSocket != 0
}

// addContainersRuntime registers the Engine API source when a socket is found, else
// says in each snapshot why the rows are probed only.
func addContainersRuntime(cfg config.Config, b *Built) {
	d, why := NewDockerSourceFor(cfg, b.Timeouts.Request)
	if d != nil {
		b.add(d)
		return
	}
	prep := b.Prepare
	b.Prepare = func(s *snapshot.Snapshot) {
		if prep != nil {
			prep(s)
		}
		s.ContainerRuntime = snapshot.ContainerRuntime{Error: why}
	}
}

// NewDockerSourceFor returns the Engine API source cfg asks for, or nil (and why) when it
// is off or no socket is found.
func NewDockerSourceFor(cfg config.Config, timeout time.Duration) (*DockerSource, string) {
	if !cfg.ContainersRuntime.Enabled || len(cfg.Containers) == 0 {
		return nil, "off"
	}
	socket, why := FindEngineSocket(cfg.ContainersRuntime.Socket, os.Getenv, socketExists)
	if socket == "" {
		return nil, why
	}
	rows := make([]string, len(cfg.Containers))
	for i, c := range cfg.Containers {
		rows[i] = c.Name
	}
	return NewDockerSource(socket, rows, timeout), ""
}
