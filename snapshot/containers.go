package snapshot

// Container statuses (the page's vocabulary).
const (
	ContainerRunning = "running"
	ContainerUnknown = "unknown"
	ContainerExited  = "exited"
)

// Container health values. The page knows healthy, unhealthy, starting and none;
// hsi-top adds unreachable in Probe.
const (
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
	HealthStarting  = "starting"
	HealthNone      = "none"
)

// Containers is the page's containers array.
type Containers []Container

// Container is one service's row. Name, Status and Health are the page's keys.
type Container struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Health string `json:"health"`

	// Probe is what was checked: an HTTP URL (without credentials) or "via postgres".
	Probe string `json:"probe"`
	// State is hsi-top's finer state: healthy, unhealthy, starting, unreachable, or
	// unknown (not probed this tick, or the row's source is not configured).
	State string `json:"state"`
	// Timeline is the last states, oldest first, one per tick (at most 60).
	Timeline []string `json:"timeline"`
	// LastChange is when State last changed; nil before the first change was seen.
	LastChange *Time    `json:"last_change"`
	LatencyMS  *float64 `json:"latency_ms"`
	Error      string   `json:"error,omitempty"`
	// Runtime is the container as the Engine API reports it; nil without the API or when
	// no container matches the row.
	Runtime *RuntimeInfo `json:"runtime"`
}

// Unhealthy counts the rows that are down: unhealthy or unreachable. A row that is
// starting (an LLM loading its model) or unknown (not probed) is not counted, so a
// disabled probe never raises the container_health alert.
func (c Containers) Unhealthy() int {
	n := 0
	for _, r := range c {
		if r.Down() {
			n++
		}
	}
	return n
}

// Healthy counts the rows whose state is healthy.
func (c Containers) Healthy() int {
	n := 0
	for _, r := range c {
		if r.State == HealthHealthy {
			n++
		}
	}
	return n
}

// Down reports whether the row is unhealthy or unreachable.
func (r Container) Down() bool { return r.State == HealthUnhealthy || r.State == StatusUnreachable }

// ContainerRuntime is what the Docker or Podman Engine API said this tick (hsi-top's
// own key): which socket, and why nothing when nothing.
type ContainerRuntime struct {
	// Socket is the Engine API socket read; "" when none was found (probes only).
	Socket string `json:"socket"`
	// Engine names the runtime and its version ("Docker 27.3.1", "Podman 5.2.0").
	Engine string `json:"engine,omitempty"`
	Error  string `json:"error,omitempty"`

	// Containers are the rows' containers (each row carries its own as Runtime).
	Containers []RuntimeInfo `json:"-"`
	// ServiceByID maps every container's short ID to its compose service (or name), for
	// naming GPU processes.
	ServiceByID map[string]string `json:"-"`
}

// RuntimeInfo is one container as the Engine API reports it.
type RuntimeInfo struct {
	// ID is the short (12-character) container ID.
	ID    string `json:"id"`
	Name  string `json:"name"`
	Image string `json:"image"`
	// Service is the compose service (label com.docker.compose.service), "" without one.
	Service string `json:"service,omitempty"`
	// State is the runtime's: created, running, paused, restarting, exited, removing, dead.
	State string `json:"state"`
	// Health is the health check's status (healthy, unhealthy, starting) or none.
	Health string `json:"health"`
	// HealthOutput is the last health check's output, cleaned and cut short.
	HealthOutput string `json:"health_output,omitempty"`
	RestartCount *int64 `json:"restart_count"`
	OOMKilled    bool   `json:"oom_killed"`
	ExitCode     *int64 `json:"exit_code"`
	StartedAt    *Time  `json:"started_at"`
	// CPUPercent is the container's CPU use since the last tick, in percent of one CPU
	// (Docker's stats: 200 is two CPUs busy); nil on the first tick or when not running.
	CPUPercent       *float64 `json:"cpu_percent"`
	MemoryBytes      *uint64  `json:"memory_bytes"`
	MemoryLimitBytes *uint64  `json:"memory_limit_bytes"`
}
