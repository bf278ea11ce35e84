package tui

import (
	"sort"
	"strconv"
	"strings"

	"github.com/hsi-top/hsi-top/snapshot"
)

func overviewCompact(v *view) (level, string) {
	o := v.snap.Overview
	lv := lvOK
	if o.UptimeSeconds == nil && o.EventsTotal == nil {
		lv = lvUnknown
	}
	return lv, "up " + uptime(o.UptimeSeconds) + " · " + inum(o.CamerasTotal) + " cams · " + inum(o.EventsTotal) + " ev · " + inum(o.DetectionsTotal) + " det"
}

// sortedWorkers puts critical workers first, then stopped ones, keeping the backend's order.
func sortedWorkers(list []snapshot.Worker) []snapshot.Worker {
	out := append([]snapshot.Worker(nil), list...)
	rank := func(w snapshot.Worker) int {
		r := 2
		if isCritical(w) {
			r = 0
		} else if !w.Running {
			r = 1
		}
		return r
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

func isCritical(w snapshot.Worker) bool { return w.Critical || snapshot.CriticalWorkers[w.Name] }

func workerState(w snapshot.Worker) (level, string) {
	if w.Running {
		return lvOK, "running"
	}
	state := orDash(w.State)
	if state == dash {
		state = "stopped"
	}
	if isCritical(w) {
		return lvCrit, state
	}
	return lvWarn, state
}

func workersLevel(ws snapshot.Workers) level {
	if len(ws.List) == 0 {
		return lvUnknown
	}
	lv := lvOK
	for _, w := range ws.List {
		if l, _ := workerState(w); l > lv {
			lv = l
		}
	}
	return lv
}

func workersSummary(ws snapshot.Workers) string {
	if len(ws.List) == 0 {
		return "workers " + dash
	}
	return strconv.Itoa(ws.Running()) + "/" + strconv.Itoa(len(ws.List)) + " workers running"
}

// stoppedWorkers names the workers that are not running: "analysis_worker (critical) stopped".
func stoppedWorkers(v *view, ws snapshot.Workers) []string {
	var out []string
	for _, x := range sortedWorkers(ws.List) {
		if x.Running {
			continue
		}
		lv, state := workerState(x)
		name := x.Name
		if isCritical(x) {
			name += " (critical)"
		}
		out = append(out, v.st.Level[lv].Render(name+" "+state))
	}
	return out
}

// pipelineStrip folds System Overview and the workers into one line: "✔ 8/8 workers
// running · backend ready │ cameras 4/4 │ 1,413 events │ 46,931 detections │ up 5d 12h".
func pipelineStrip(v *view) string {
	ws, o := v.snap.Workers, v.snap.Overview
	parts := []string{v.st.state(workersLevel(ws), workersSummary(ws))}
	parts = append(parts, stoppedWorkers(v, ws)...)
	if ws.Ready != nil && !*ws.Ready {
		parts = append(parts, v.st.Level[lvWarn].Render("backend not ready"))
	}
	if ws.Error != "" && len(ws.List) == 0 {
		parts = append(parts, v.st.Level[lvWarn].Render(shortErr(ws.Error, 40)))
	}
	cams := inum(o.CamerasTotal)
	if o.CamerasActive != nil {
		cams = inum(o.CamerasActive) + "/" + cams
	}
	counts := v.join(" │ ", "cameras "+cams, inum(o.EventsTotal)+" events", inum(o.DetectionsTotal)+" detections", "up "+uptime(o.UptimeSeconds))
	return v.join(" · ", parts...) + v.st.Muted.Render("  │ ") + counts
}

func workersCompact(v *view) (level, string) {
	ws := v.snap.Workers
	s := workersSummary(ws)
	if stopped := stoppedWorkers(v, ws); len(stopped) > 0 {
		s += " · " + strings.Join(stopped, ", ")
	}
	return workersLevel(ws), s
}
