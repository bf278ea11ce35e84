package tui

import (
	"sort"
	"strconv"

	"github.com/hsi-top/hsi-top/snapshot"
)

func overviewBody(v *view, w int) []string {
	o := v.snap.Overview
	cams := inum(o.CamerasTotal)
	if o.CamerasActive != nil {
		cams = inum(o.CamerasActive) + " active of " + cams
	}
	lines := []string{
		v.kv("Uptime", 12, uptime(o.UptimeSeconds)),
		v.kv("Cameras", 12, cams),
		v.kv("Events", 12, inum(o.EventsTotal)),
		v.kv("Detections", 12, inum(o.DetectionsTotal)),
	}
	if o.Error != "" {
		lines = append(lines, v.st.Level[lvWarn].Render(glyphs[lvWarn]+" "+o.Error))
	}
	return lines
}

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
		if w.Critical || snapshot.CriticalWorkers[w.Name] {
			r = 0
		} else if !w.Running {
			r = 1
		}
		return r
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

func workerState(w snapshot.Worker) (level, string) {
	if w.Running {
		return lvOK, "running"
	}
	state := orDash(w.State)
	if state == dash {
		state = "stopped"
	}
	if w.Critical || snapshot.CriticalWorkers[w.Name] {
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
		return dash + " workers unknown"
	}
	return strconv.Itoa(ws.Running()) + "/" + strconv.Itoa(len(ws.List)) + " Running"
}

func workersBody(v *view, w int) []string {
	ws := v.snap.Workers
	head := v.st.state(workersLevel(ws), workersSummary(ws))
	if ws.Ready != nil {
		if *ws.Ready {
			head += v.st.Muted.Render("  backend ready")
		} else {
			head += "  " + v.st.Level[lvWarn].Render("backend not ready")
		}
	}
	lines := []string{head}
	if ws.Error != "" {
		lines = append(lines, v.st.Level[lvWarn].Render(ws.Error))
	}
	nameW := 0
	for _, x := range ws.List {
		nameW = max(nameW, width(x.Name))
	}
	for _, x := range sortedWorkers(ws.List) {
		lv, state := workerState(x)
		line := v.st.Level[lv].Render(glyphs[lv]) + " " + fit(x.Name, nameW+1)
		if x.Critical || snapshot.CriticalWorkers[x.Name] {
			line += v.st.Accent.Render("[critical] ")
		} else {
			line += "           "
		}
		if !x.Running {
			line += v.st.Level[lv].Render(state)
			if x.Message != "" {
				line += v.st.Muted.Render(" — " + x.Message)
			}
		}
		lines = append(lines, line)
	}
	return lines
}

func workersCompact(v *view) (level, string) {
	ws := v.snap.Workers
	s := workersSummary(ws)
	for _, x := range sortedWorkers(ws.List) {
		if !x.Running {
			s += " · " + x.Name + " " + orDash(x.State)
			break
		}
	}
	return workersLevel(ws), s
}
