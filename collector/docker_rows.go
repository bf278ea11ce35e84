package collector

import (
	"regexp"

	"github.com/hsi-top/hsi-top/snapshot"
)

// ProbeEngineAPI is a row's Probe when its state came from the Engine API.
const ProbeEngineAPI = "engine API"

// applyRuntime gives a container row the Engine API's view of its container when the
// API answered this tick and a container matches the row's name: the runtime's state
// decides (a health check, restarting, OOM-killed, exited), except that a running
// container without a health check keeps what its HTTP probe or section said. Without
// the API, or without a matching container, the row is left as probed.
func applyRuntime(s *snapshot.Snapshot, name string, c snapshot.Container) snapshot.Container {
	if !Fresh(s, SourceContainersRuntime) {
		return c
	}
	for i := range s.ContainerRuntime.Containers {
		info := &s.ContainerRuntime.Containers[i] // the row shares the snapshot's own copy
		if info.Service != name && info.Name != name {
			continue
		}
		c.Runtime = info
		state, reason, decided := RuntimeState(*info)
		probed := c.State != "" && c.State != StateUnknown
		if decided || !probed {
			c.State, c.Error, c.LatencyMS = state, reason, nil
			c.Probe = ProbeEngineAPI
		} else {
			c.Probe = ProbeEngineAPI + " + " + c.Probe
		}
		return c
	}
	return c
}

// runtimeID finds the container ID in a GPU service name the cgroup gave
// ("llama-server (docker 3f2a1b4c5d6e)", "podman 3f2a1b4c5d6e").
var runtimeID = regexp.MustCompile(`(?:docker|podman|containerd|cri-o)[ -]([0-9a-f]{12})\)?$`)

// nameGPUServices renames each GPU process that runs in a container the Engine API
// knows to that container's compose service ("ai-llm"), and sums the services again.
func nameGPUServices(s *snapshot.Snapshot) {
	byID := s.ContainerRuntime.ServiceByID
	if len(byID) == 0 || !Fresh(s, SourceContainersRuntime) {
		return
	}
	for i := range s.GPUs {
		g := &s.GPUs[i]
		renamed := false
		var procs []snapshot.GPUProcess
		for j, p := range g.Processes {
			m := runtimeID.FindStringSubmatch(p.Service)
			if m == nil || byID[m[1]] == "" {
				continue
			}
			if procs == nil { // the list may be shared with published snapshots: copy it
				procs = append([]snapshot.GPUProcess(nil), g.Processes...)
			}
			procs[j].Service = byID[m[1]]
			renamed = true
		}
		if renamed {
			g.Processes = procs
			g.Services = SumServices(procs, g.MemoryUsedBytes)
		}
	}
}
