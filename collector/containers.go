package collector

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/workers"
	"github.com/hsi-top/hsi-top/snapshot"
)

// ContainerProbeTimeout bounds one container health probe.
const ContainerProbeTimeout = 2 * time.Second

// TimelineLength is how many states each container row keeps.
const TimelineLength = 60

// Container states: the page's health values plus unreachable (nothing listens) and
// unknown (no probe this tick).
const (
	StateHealthy     = snapshot.HealthHealthy
	StateUnhealthy   = snapshot.HealthUnhealthy
	StateStarting    = snapshot.HealthStarting
	StateUnreachable = "unreachable"
	StateUnknown     = "unknown"
)

// ContainerRow is one configured row: an HTTP URL to probe, or the section whose health
// it shows (postgres, redis, detector, llm).
type ContainerRow struct {
	name    string
	url     string              // set for HTTP probes
	section snapshot.SourceName // set for rows that take the health from a section
}

// ContainerRows resolves the configured rows (containers, with the backend's and the
// frontend's URLs): "backend" and "frontend" probe BACKEND_URL/health and
// FRONTEND_URL/health, the other source names take the health from their section,
// anything else is a URL.
func ContainerRows(cfg config.Config) []ContainerRow {
	rows := make([]ContainerRow, 0, len(cfg.Containers))
	for _, c := range cfg.Containers {
		r := ContainerRow{name: c.Name}
		switch probe := c.Probe.Value(); probe {
		case snapshot.ServiceBackend:
			r.url = healthURL(cfg.Backend.Enabled, cfg.Backend.URL.Value())
		case snapshot.ServiceFrontend:
			r.url = healthURL(cfg.Frontend.Enabled, cfg.Frontend.URL.Value())
		case string(snapshot.SourcePostgres), string(snapshot.SourceRedis), string(snapshot.SourceDetector), string(snapshot.SourceLLM):
			r.section = snapshot.SourceName(probe)
		default:
			r.url = probe
		}
		rows = append(rows, r)
	}
	return rows
}

func healthURL(enabled bool, base string) string {
	if !enabled || base == "" {
		return ""
	}
	return strings.TrimRight(base, "/") + "/health"
}

// ContainerProbe is the outcome of one probe.
type ContainerProbe struct {
	State     string
	LatencyMS *float64
	Error     string
}

// ClassifyProbe maps an HTTP probe's status or error to a state: 2xx healthy, 503
// starting, another status unhealthy, nothing listening unreachable, a timeout or any
// other failure unhealthy.
func ClassifyProbe(status int, err error) (string, string) {
	if err != nil {
		msg := ShortError(err)
		if IsRefused(err) || strings.HasPrefix(msg, "unknown host") || msg == "host unreachable" {
			return StateUnreachable, msg
		}
		return StateUnhealthy, msg
	}
	switch {
	case status >= 200 && status < 300:
		return StateHealthy, ""
	case status == 503:
		return StateStarting, "HTTP 503"
	}
	return StateUnhealthy, "HTTP " + strconv.Itoa(status)
}

// ContainersSource probes the rows that have an HTTP URL, concurrently, each within
// ContainerProbeTimeout. The other rows are filled by the containers stage.
type ContainersSource struct {
	rows   []ContainerRow
	client *HTTPClient // bounds each probe by the probe timeout
}

// NewContainersSource returns the probe source for the container rows (ContainerRows).
// Each probe gets t.Probe (at most ContainerProbeTimeout); a probe that takes longer
// makes its row unhealthy with "timeout", never the whole source late.
func NewContainersSource(rows []ContainerRow, t Timeouts) *ContainersSource {
	timeout := t.Probe
	if timeout <= 0 || timeout > ContainerProbeTimeout {
		timeout = ContainerProbeTimeout
	}
	return &ContainersSource{rows: rows, client: NewHTTPClient(timeout)}
}

// Name returns "containers".
func (c *ContainersSource) Name() snapshot.SourceName { return snapshot.SourceContainers }

// Close releases idle connections.
func (c *ContainersSource) Close() error { c.client.CloseIdle(); return nil }

// Collect probes every HTTP row.
func (c *ContainersSource) Collect(ctx context.Context) (Result, error) {
	probes := map[string]ContainerProbe{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, r := range c.rows {
		if r.url == "" {
			continue
		}
		wg.Add(1)
		workers.Go(ctx, func() {
			defer wg.Done()
			begin := time.Now()
			resp, err := c.client.Get(ctx, r.url, nil) // within the client's timeout
			status := 0
			if resp != nil {
				status = resp.Status
			}
			state, msg := ClassifyProbe(status, err)
			p := ContainerProbe{State: state, Error: msg}
			if err == nil {
				p.LatencyMS = snapshot.F(float64(time.Since(begin).Microseconds()) / 1000)
			}
			mu.Lock()
			probes[r.name] = p
			mu.Unlock()
		})
	}
	wg.Wait()
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
		return Result{}, ctx.Err()
	}
	return Result{Via: snapshot.ViaHTTP, Apply: func(s *snapshot.Snapshot) {
		rows := make(snapshot.Containers, 0, len(probes))
		for _, r := range c.rows {
			if p, ok := probes[r.name]; ok {
				rows = append(rows, snapshot.Container{
					Name: r.name, Probe: redactProbe(r.url), State: p.State, LatencyMS: p.LatencyMS, Error: p.Error,
				})
			}
		}
		s.Containers = rows
	}}, nil
}

// redactProbe keeps credentials in a configured probe URL out of the snapshot.
func redactProbe(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return config.RedactURL(raw)
	}
	u.User = nil
	u.RawQuery = ""
	return u.String()
}

// ContainersStage fills every configured row each tick, in the configured order: HTTP rows
// from the containers source (unknown when it is not fresh), the others from their
// sections. It keeps each row's timeline of the last TimelineLength states and the time
// of its last change.
//
// Snapshots share the timelines' storage: each row appends to a buffer many timelines
// long and every snapshot gets a capacity-capped window of it. Nothing already written is
// ever changed (a full buffer is replaced, not rewritten), so the windows stay immutable,
// and the 720 snapshots the history keeps hold a few buffers per row instead of 720
// copies of 60 states (about 4 MB for six rows).
type ContainersStage struct {
	rows  []ContainerRow
	state map[string]*rowHistory
}

// timelineBuffer is how many states one timeline buffer holds before it is replaced.
const timelineBuffer = 16 * TimelineLength

type rowHistory struct {
	timeline   []string // the buffer; the row's timeline is its last TimelineLength states
	last       string
	lastChange *snapshot.Time
}

// NewContainersStage returns the stage for the container rows (ContainerRows).
func NewContainersStage(rows []ContainerRow) *ContainersStage {
	return &ContainersStage{rows: rows, state: map[string]*rowHistory{}}
}

// Process builds s.Containers.
func (st *ContainersStage) Process(s *snapshot.Snapshot) {
	probed := map[string]snapshot.Container{}
	if Fresh(s, "containers") {
		for _, c := range s.Containers {
			probed[c.Name] = c
		}
	}
	out := make(snapshot.Containers, 0, len(st.rows))
	for _, r := range st.rows {
		var c snapshot.Container
		switch {
		case r.section != "":
			c = sectionRow(s, r.section)
		case r.url == "":
			c = snapshot.Container{State: StateUnknown, Probe: "disabled", Error: "no URL configured"}
		default:
			var ok bool
			if c, ok = probed[r.name]; !ok {
				c = snapshot.Container{Probe: redactProbe(r.url), State: StateUnknown, Error: sourceError(s, "containers")}
			}
		}
		c = applyRuntime(s, r.name, c) // issue 14: docker_rows.go
		c.Name = r.name
		c.Status, c.Health = PageContainerStatus(c.State)
		h := st.state[r.name]
		if h == nil {
			h = &rowHistory{}
			st.state[r.name] = h
		}
		if h.last != "" && h.last != c.State {
			at := s.Timestamp
			h.lastChange = &at
		}
		h.last = c.State
		if len(h.timeline) == cap(h.timeline) {
			// Full (or new): carry the newest states into a fresh buffer.
			fresh := make([]string, 0, timelineBuffer)
			h.timeline = append(fresh, h.timeline[max(0, len(h.timeline)-(TimelineLength-1)):]...)
		}
		h.timeline = append(h.timeline, c.State)
		n := len(h.timeline)
		c.Timeline = h.timeline[max(0, n-TimelineLength):n:n]
		if h.lastChange != nil {
			t := *h.lastChange
			c.LastChange = &t
		}
		out = append(out, c)
	}
	s.Containers = out
}

// sectionRow derives a row from the section a source filled.
func sectionRow(s *snapshot.Snapshot, source snapshot.SourceName) snapshot.Container {
	c := snapshot.Container{Probe: "via " + string(source)}
	var status, errMsg string
	var latency *float64
	switch source {
	case snapshot.SourcePostgres:
		pg := s.Databases.PostgreSQL
		status, errMsg, latency = pg.Status, pg.Error, pg.PingMS
	case snapshot.SourceRedis:
		r := s.Databases.Redis
		status, errMsg, latency = r.Status, r.Error, r.PingMS
	case snapshot.SourceDetector:
		d := s.AIModels.Detector
		status, errMsg = d.Status, d.Error
	case snapshot.SourceLLM:
		l := s.AIModels.Nemotron
		status, errMsg = l.Status, l.Error
	}
	if _, configured := s.Source(source); !configured {
		c.State, c.Error = StateUnknown, string(source)+": not configured"
		return c
	}
	c.State = SectionState(status)
	c.Error = errMsg
	if c.State == StateHealthy {
		c.LatencyMS = latency
	}
	return c
}

// SectionState maps a section's status to a container state: healthy and ok are healthy,
// loading and starting are starting (an LLM loading its model), unreachable stays
// unreachable, anything else (degraded, unhealthy) is unhealthy.
func SectionState(status string) string {
	switch status {
	case snapshot.StatusHealthy, "ok":
		return StateHealthy
	case snapshot.StatusLoading, snapshot.StatusStarting:
		return StateStarting
	case snapshot.StatusUnreachable:
		return StateUnreachable
	case "":
		return StateUnknown
	}
	return StateUnhealthy
}

// PageContainerStatus maps a state to the page's status (running, unknown, exited) and
// health (healthy, unhealthy, starting, none). Nothing listening reads as exited: the
// page has no word for unreachable, and a service that refuses connections is down.
func PageContainerStatus(state string) (status, health string) {
	switch state {
	case StateHealthy:
		return snapshot.ContainerRunning, snapshot.HealthHealthy
	case StateStarting:
		return snapshot.ContainerRunning, snapshot.HealthStarting
	case StateUnhealthy:
		return snapshot.ContainerRunning, snapshot.HealthUnhealthy
	case StateUnreachable:
		return snapshot.ContainerExited, snapshot.HealthNone
	}
	return snapshot.ContainerUnknown, snapshot.HealthNone
}
