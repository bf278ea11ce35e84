package collector

import (
	"strconv"
	"strings"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// The Engine API answers hsi-top reads, in the shapes Docker and Podman's compatible API
// share. Only the fields used are declared.

// engineListed is one entry of GET /containers/json?all=1.
type engineListed struct {
	ID     string       `json:"Id"`
	Names  []string     `json:"Names"`
	Image  string       `json:"Image"`
	State  string       `json:"State"`
	Status string       `json:"Status"` // "Up 2 hours (healthy)"
	Labels engineLabels `json:"Labels"`
}

// engineLabels is the one label of a listed container hsi-top reads. Decoding into it
// skips the others (compose puts a dozen on each container) instead of building a map
// of them every tick.
type engineLabels struct {
	// Service is the label compose puts on each container: its service name.
	Service string `json:"com.docker.compose.service"`
}

// healthMark is the health a list entry's Status ends with ("(healthy)", "(unhealthy)",
// "(health: starting)"), or "" when it names none.
func (c engineListed) healthMark() string {
	if !strings.HasSuffix(c.Status, ")") {
		return ""
	}
	if i := strings.LastIndexByte(c.Status, '('); i >= 0 {
		return c.Status[i:]
	}
	return ""
}

// engineInspect is GET /containers/{id}/json.
type engineInspect struct {
	ID           string `json:"Id"`
	Name         string `json:"Name"`
	RestartCount *int64 `json:"RestartCount"`
	State        *struct {
		Status    string `json:"Status"`
		OOMKilled bool   `json:"OOMKilled"`
		ExitCode  *int64 `json:"ExitCode"`
		StartedAt string `json:"StartedAt"`
		Health    *struct {
			Status string `json:"Status"`
			Log    []struct {
				ExitCode int    `json:"ExitCode"`
				Output   string `json:"Output"`
			} `json:"Log"`
		} `json:"Health"`
	} `json:"State"`
}

// engineStats is GET /containers/{id}/stats?stream=false&one-shot=true.
type engineStats struct {
	CPU struct {
		Usage struct {
			Total uint64 `json:"total_usage"`
		} `json:"cpu_usage"`
		System     uint64 `json:"system_cpu_usage"`
		OnlineCPUs uint64 `json:"online_cpus"`
	} `json:"cpu_stats"`
	Memory struct {
		Usage *uint64           `json:"usage"`
		Limit *uint64           `json:"limit"`
		Stats map[string]uint64 `json:"stats"`
	} `json:"memory_stats"`
}

// engineVersion is GET /version.
type engineVersion struct {
	Version    string `json:"Version"`
	Components []struct {
		Name    string `json:"Name"`
		Version string `json:"Version"`
	} `json:"Components"`
}

// maxHealthOutput bounds the health check output kept per container.
const maxHealthOutput = 200

// EngineName is "Podman 5.2.0" when a component says Podman, else "Docker 27.3.1".
func (v engineVersion) EngineName() string {
	for _, c := range v.Components {
		if strings.Contains(strings.ToLower(c.Name), "podman") {
			return "Podman " + CleanText(c.Version, 40)
		}
	}
	if v.Version == "" {
		return "Docker"
	}
	return "Docker " + CleanText(v.Version, 40)
}

// listedName is a listed container's name without the leading slash.
func listedName(c engineListed) string {
	if len(c.Names) == 0 {
		return ""
	}
	return strings.TrimPrefix(c.Names[0], "/")
}

// MatchRow picks the container a row named name shows: one whose compose service or
// container name is name, a running one before others; ok is false when none matches.
func matchRow(list []engineListed, name string) (engineListed, bool) {
	var found engineListed
	ok := false
	for _, c := range list {
		if c.Labels.Service != name && listedName(c) != name {
			continue
		}
		if !ok || (c.State == "running" && found.State != "running") {
			found, ok = c, true
		}
	}
	return found, ok
}

// runtimeInfo builds a row's runtime details from its list entry and inspection.
func runtimeInfo(c engineListed, in engineInspect) snapshot.RuntimeInfo {
	info := snapshot.RuntimeInfo{
		ID: shortID(c.ID), Name: CleanText(listedName(c), 100), Image: CleanText(c.Image, 120),
		Service: CleanText(c.Labels.Service, 100), State: CleanText(c.State, 20),
		Health: snapshot.HealthNone, RestartCount: in.RestartCount,
	}
	if st := in.State; st != nil {
		if st.Status != "" {
			info.State = CleanText(st.Status, 20)
		}
		info.OOMKilled = st.OOMKilled
		info.ExitCode = st.ExitCode
		if t, err := time.Parse(time.RFC3339Nano, st.StartedAt); err == nil && t.Year() > 1 {
			info.StartedAt = snapshot.At(t)
		}
		if h := st.Health; h != nil && h.Status != "" {
			info.Health = CleanText(h.Status, 20)
			if n := len(h.Log); n > 0 {
				info.HealthOutput = CleanText(strings.TrimSpace(h.Log[n-1].Output), maxHealthOutput)
			}
		}
	}
	return info
}

// shortID is the 12-character form of a container ID.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// cpuReading is a container's CPU counters at one tick, for the next tick's rate.
type cpuReading struct {
	total, system uint64
}

// applyStats fills CPU (against the previous tick's counters, as the docker CLI computes
// it from two readings) and memory (usage less the page cache, as `docker stats` shows).
// It returns this tick's counters.
func applyStats(info *snapshot.RuntimeInfo, st engineStats, prev *cpuReading) cpuReading {
	cur := cpuReading{total: st.CPU.Usage.Total, system: st.CPU.System}
	if prev != nil && cur.total >= prev.total && cur.system > prev.system && st.CPU.OnlineCPUs > 0 {
		info.CPUPercent = snapshot.F(float64(cur.total-prev.total) / float64(cur.system-prev.system) * float64(st.CPU.OnlineCPUs) * 100)
	}
	if u := st.Memory.Usage; u != nil {
		used := *u
		cache, ok := st.Memory.Stats["inactive_file"] // cgroup v2
		if !ok {
			cache = st.Memory.Stats["cache"] // cgroup v1
		}
		if cache <= used {
			used -= cache
		}
		info.MemoryBytes = snapshot.U(used)
	}
	if l := st.Memory.Limit; l != nil && *l > 0 && *l < 1<<62 {
		info.MemoryLimitBytes = snapshot.U(*l)
	}
	return cur
}

// RuntimeState maps a container to a row state and its reason: a failing health check
// is unhealthy with its last output; restarting, paused or an OOM kill is unhealthy;
// exited or dead is unreachable (down) with the exit code; a running container without a
// health check is healthy unless probed (probed: keep the probe's word).
func RuntimeState(info snapshot.RuntimeInfo) (state, reason string, decided bool) {
	switch info.State {
	case "running":
		switch info.Health {
		case snapshot.HealthHealthy:
			return StateHealthy, "", true
		case snapshot.HealthUnhealthy:
			return StateUnhealthy, joinReason("health check failing", info.HealthOutput), true
		case snapshot.HealthStarting:
			return StateStarting, "health check starting", true
		}
		return StateHealthy, "", false
	case "restarting":
		return StateUnhealthy, restartReason(info), true
	case "paused":
		return StateUnhealthy, "paused", true
	case "created":
		return StateStarting, "created, not started", true
	case "exited", "dead", "removing", "stopped":
		return StateUnreachable, exitReason(info), true
	}
	return StateUnknown, "runtime state " + info.State, true
}

func joinReason(head, detail string) string {
	if detail == "" {
		return head
	}
	return head + ": " + detail
}

func restartReason(info snapshot.RuntimeInfo) string {
	msg := "restarting"
	if info.RestartCount != nil {
		msg += " (" + itoa(*info.RestartCount) + " restarts)"
	}
	if info.OOMKilled {
		msg += ", OOM-killed"
	}
	return msg
}

func exitReason(info snapshot.RuntimeInfo) string {
	msg := info.State
	if info.ExitCode != nil {
		msg += " (exit code " + itoa(*info.ExitCode) + ")"
	}
	if info.OOMKilled {
		msg += ", OOM-killed: the container ran out of its memory limit"
	}
	return msg
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
