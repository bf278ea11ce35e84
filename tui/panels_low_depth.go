package tui

import (
	"strconv"
	"strings"

	"github.com/hsi-top/hsi-top/snapshot"
)

// runtimeDetail is what the Engine API says about a row's container, in at most room
// cells: "  ↻5 · OOM-killed · exit 137 · 50% CPU · 256.0 MiB · up 2h 14m", with the
// reason of a row that is not healthy ("health check failing: …") first. "" without the
// API, or without room.
func runtimeDetail(v *view, c snapshot.Container, room int) string {
	r := c.Runtime
	if r == nil || room < 8 {
		return ""
	}
	var parts []string
	if c.State != snapshot.HealthHealthy && c.Error != "" {
		parts = append(parts, c.Error)
	} else if r.HealthOutput != "" && r.Health != snapshot.HealthHealthy {
		parts = append(parts, r.HealthOutput)
	}
	if r.RestartCount != nil && *r.RestartCount > 0 {
		parts = append(parts, "↻"+strconv.FormatInt(*r.RestartCount, 10))
	}
	if r.OOMKilled && !strings.Contains(c.Error, "OOM") {
		parts = append(parts, "OOM-killed")
	}
	if r.CPUPercent != nil {
		parts = append(parts, fnum(r.CPUPercent, 0)+"% CPU")
	}
	if r.MemoryBytes != nil {
		parts = append(parts, bytesHuman(float64(*r.MemoryBytes)))
	}
	if r.StartedAt != nil && r.State == "running" {
		parts = append(parts, "up "+ago(v.now().Sub(r.StartedAt.Time)))
	}
	if len(parts) == 0 {
		return ""
	}
	return v.st.Muted.Render(fit("  "+strings.Join(parts, " · "), room))
}

// runtimeReserve is the cells the container strip leaves for the Engine API's detail:
// none when no row has it, else a third of the panel (at most 60 cells).
func runtimeReserve(cs snapshot.Containers, w int) int {
	for _, c := range cs {
		if c.Runtime != nil {
			return min(60, w/3)
		}
	}
	return 0
}
