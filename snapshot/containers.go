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

// Down reports whether the row is unhealthy or unreachable.
func (r Container) Down() bool { return r.State == HealthUnhealthy || r.State == StatusUnreachable }
