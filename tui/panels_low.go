package tui

import (
	"strconv"
	"strings"

	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
)

func pgCard(v *view, w int) []string {
	pg := v.snap.Databases.PostgreSQL
	lines := []string{v.st.Bold.Render("PostgreSQL ") + v.st.state(statusLevel(pg.Status), orDash(pg.Status))}
	var used *float64
	if pg.ConnectionsActive != nil && pg.ConnectionsMax != nil && *pg.ConnectionsMax > 0 {
		used = snapshot.F(float64(*pg.ConnectionsActive) / float64(*pg.ConnectionsMax) * 100)
	}
	conns := inum(pg.ConnectionsActive) + "/" + inum(pg.ConnectionsMax)
	barW := min(16, max(4, w-30))
	lines = append(lines,
		v.kv("Conns", 10, v.st.bar(used, barW, v.alertLevel("pg_connections", ""))+" "+conns+v.st.Muted.Render(limitNote(pg.ConnectionsMaxSource))),
		v.kv("Cache hit", 10, v.st.Level[v.alertLevel("pg_cache_hit", "")].Render(pct(pg.CacheHitRatio))),
		v.kv("Tx/min", 10, fthousands(pg.TransactionsPerMin)),
	)
	if pg.DatabaseSizeBytes != nil {
		lines = append(lines, v.kv("Size", 10, bytesHuman(float64(*pg.DatabaseSizeBytes))))
	}
	if pg.Error != "" {
		lines = append(lines, v.st.Level[lvWarn].Render(pg.Error))
	}
	lines = append(lines, v.chartCell("conns", inum(pg.ConnectionsActive), v.points(history.KeyPGConnectionsActive), 0, "", w))
	return lines
}

func limitNote(src string) string {
	if src == "" {
		return ""
	}
	return " (" + src + ")"
}

func redisCard(v *view, w int) []string {
	r := v.snap.Databases.Redis
	head := v.st.Bold.Render("Redis ") + v.st.state(statusLevel(r.Status), orDash(r.Status))
	if r.Version != "" {
		head += v.st.Muted.Render("  v" + r.Version)
	}
	mem := unit(r.MemoryMB, 1, " MB")
	memLv := v.alertLevel("redis_memory", "")
	switch {
	case r.MemoryMB == nil:
	case r.MaxMemoryMB != nil && *r.MaxMemoryMB > 0:
		barW := min(16, max(4, w-30))
		mem = v.st.bar(snapshot.F(*r.MemoryMB / *r.MaxMemoryMB * 100), barW, memLv) + " " + mem + " / " + fnum(r.MaxMemoryMB, 0) + " MB"
	default:
		mem = v.st.Level[memLv].Render(mem) + v.st.Muted.Render(" (no maxmemory)")
	}
	hit := pct(r.HitRatio)
	if r.HitRatio == nil && r.Status == snapshot.StatusHealthy {
		hit = dash + v.st.Muted.Render(" (no lookups)")
	} else {
		hit = v.st.Level[v.alertLevel("redis_hit_ratio", "")].Render(hit)
	}
	lines := []string{
		head,
		v.kv("Clients", 10, inum(r.ConnectedClients)+v.st.Muted.Render("  blocked ")+inum(r.BlockedClients)),
		v.kv("Memory", 10, mem),
		v.kv("Hit ratio", 10, hit),
	}
	if r.Error != "" {
		lines = append(lines, v.st.Level[lvWarn].Render(r.Error))
	}
	lines = append(lines, v.chartCell("mem", fnum(r.MemoryMB, 1), v.points(history.KeyRedisMemoryMB), 0, " MB", w))
	return lines
}

func databasesBody(v *view, w int) []string {
	cw := w
	if w >= 60 {
		cw = (w - 3) / 2
	}
	return halves(pgCard(v, cw), redisCard(v, cw), w)
}

func databasesCompact(v *view) (level, string) {
	pg, r := v.snap.Databases.PostgreSQL, v.snap.Databases.Redis
	lv := max(statusLevel(pg.Status), statusLevel(r.Status))
	for _, m := range []string{"pg_connections", "pg_cache_hit", "redis_memory", "redis_hit_ratio"} {
		lv = max(lv, v.alertLevel(m, ""))
	}
	return lv, "pg " + orDash(pg.Status) + " " + inum(pg.ConnectionsActive) + "/" + inum(pg.ConnectionsMax) +
		" · redis " + orDash(r.Status) + " " + fnum(r.MemoryMB, 1) + "MB"
}

func hostBody(v *view, w int) []string {
	h := v.snap.Host
	labelW := 10
	for _, m := range h.Mounts {
		labelW = max(labelW, min(24, width(m.Path)+6))
	}
	barW := min(30, max(6, w-labelW-38))
	label := func(s string) string { return v.st.Muted.Render(fit(s, labelW)) }
	cpuLv := v.alertLevel("host_cpu", "")
	cpu := label("CPU") + v.st.bar(h.CPUPercent, barW, cpuLv) + " " + v.st.Level[cpuLv].Render(fit(pct(h.CPUPercent), 6))
	if h.CPUCount > 0 {
		cpu += v.st.Muted.Render("  " + strconv.Itoa(h.CPUCount) + " cores")
	}
	cpu += v.st.Muted.Render("  load ") + loadString(h.Load)
	ramLv := v.alertLevel("host_ram", "")
	ram := label("RAM") + v.st.bar(h.RAMPercent, barW, ramLv) + " " + v.st.Level[ramLv].Render(fit(pct(h.RAMPercent), 6)) +
		"  " + usedOf(h.RAMUsedGB, h.RAMTotalGB, 1, " GiB")
	lines := []string{cpu, ram}
	mounts := h.Mounts
	if len(mounts) == 0 {
		mounts = []snapshot.Mount{{Path: "/", UsedGB: h.DiskUsedGB, TotalGB: h.DiskTotalGB, Percent: h.DiskPercent}}
	}
	for _, m := range mounts {
		if m.Error != "" {
			lines = append(lines, label("Disk "+m.Path)+v.st.Level[lvWarn].Render(glyphs[lvWarn]+" "+m.Error))
			continue
		}
		lv := v.alertLevel("host_disk", m.Path)
		lines = append(lines, label("Disk "+m.Path)+v.st.bar(m.Percent, barW, lv)+" "+v.st.Level[lv].Render(fit(pct(m.Percent), 6))+
			"  "+usedOf(m.UsedGB, m.TotalGB, 1, " GiB"))
	}
	lines = append(lines, label("Network")+"rx "+rate(h.NetRxBytesSec)+" · tx "+rate(h.NetTxBytesSec)+v.st.Muted.Render("   uptime ")+uptime(h.UptimeSeconds))
	lines = append(lines, v.chartGrid(w, []chartSpec{
		{"cpu", pct(h.CPUPercent), history.KeyHostCPU, 100, "%"},
		{"ram", pct(h.RAMPercent), history.KeyHostRAM, 100, "%"},
	})...)
	return lines
}

func hostCompact(v *view) (level, string) {
	h := v.snap.Host
	lv := lvOK
	for _, m := range []string{"host_cpu", "host_ram", "host_disk"} {
		lv = max(lv, v.alertLevel(m, ""))
	}
	if h.CPUPercent == nil && h.RAMPercent == nil {
		lv = max(lv, lvUnknown)
	}
	return lv, "cpu " + pct(h.CPUPercent) + " · ram " + pct(h.RAMPercent) + " · disk " + pct(h.DiskPercent)
}

// trackerCell is one tick's glyph in a container's strip: shape and colour both say the state.
func trackerCell(state string) (string, level) {
	switch state {
	case snapshot.HealthHealthy:
		return "█", lvOK
	case snapshot.HealthStarting, snapshot.StatusLoading:
		return "▒", lvInfo
	case snapshot.HealthUnhealthy:
		return "▚", lvWarn
	case snapshot.StatusUnreachable:
		return "×", lvCrit
	case "":
		return " ", lvUnknown
	}
	return "?", lvUnknown
}

// tracker draws the last w states, newest right, one style change per run of equal states.
func (v *view) tracker(tl []string, w int) string {
	if w <= 0 {
		return ""
	}
	if len(tl) > w {
		tl = tl[len(tl)-w:]
	}
	var b, run strings.Builder
	b.Grow(w * 4)
	for i := len(tl); i < w; i++ {
		b.WriteByte(' ')
	}
	for i := 0; i < len(tl); {
		j := i
		for j < len(tl) && tl[j] == tl[i] {
			j++
		}
		g, lv := trackerCell(tl[i])
		run.Reset()
		for k := i; k < j; k++ {
			run.WriteString(g)
		}
		b.WriteString(v.st.Level[lv].Render(run.String()))
		i = j
	}
	return b.String()
}

func containersBody(v *view, w int) []string {
	cs := v.snap.Containers
	lines := []string{containersHead(v)}
	nameW := 8
	for _, c := range cs {
		nameW = max(nameW, width(c.Name))
	}
	stripW := min(60, max(0, w-nameW-33))
	for _, c := range cs {
		lv := statusLevel(c.State)
		state := v.st.Level[lv].Render(fit(glyphs[lv]+" "+orDash(c.State), 14))
		changed := ""
		if c.LastChange != nil {
			changed = v.st.Muted.Render(" " + ago(v.now().Sub(c.LastChange.Time)) + " ago")
		}
		lines = append(lines, fit(c.Name, nameW+1)+state+v.tracker(c.Timeline, stripW)+changed)
	}
	return lines
}

// containersLevel is the worst state of the rows: critical with container_health's
// critical level of rows down (2 by default), warning from its warning level or one
// starting (an LLM still loading its model). A row whose source is off or not probed
// yet (unknown) does not lower it, as it does not raise container_health.
func containersLevel(cs snapshot.Containers, levels snapshot.Levels) (lv level, healthy int) {
	if len(cs) == 0 {
		return lvUnknown, 0
	}
	healthy = cs.Healthy()
	starting := false
	for _, c := range cs {
		starting = starting || c.State == snapshot.HealthStarting
	}
	switch bad := float64(cs.Unhealthy()); {
	case bad > 0 && bad >= levels.Critical:
		return lvCrit, healthy
	case bad > 0 && bad >= levels.Warning, starting:
		return lvWarn, healthy
	}
	return lvOK, healthy
}

func containersHead(v *view) string {
	cs := v.snap.Containers
	if len(cs) == 0 {
		return v.st.state(lvUnknown, "no containers configured")
	}
	lv, healthy := containersLevel(cs, v.snap.ContainerRule())
	return v.st.state(lv, strconv.Itoa(healthy)+"/"+strconv.Itoa(len(cs))+" Healthy")
}

func containersCompact(v *view) (level, string) {
	cs := v.snap.Containers
	lv, healthy := containersLevel(cs, v.snap.ContainerRule())
	s := strconv.Itoa(healthy) + "/" + strconv.Itoa(len(cs)) + " healthy"
	for _, c := range cs {
		if c.State != snapshot.HealthHealthy {
			s += " · " + c.Name + " " + orDash(c.State)
		}
	}
	return lv, s
}
