package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
)

// dbLabelW aligns the PostgreSQL and Redis lines.
const dbLabelW = 11

// pgLines are PostgreSQL's state and connections, and its other numbers.
func pgLines(v *view) (string, []string) {
	pg := v.snap.Databases.PostgreSQL
	var used *float64
	if pg.ConnectionsActive != nil && pg.ConnectionsMax != nil && *pg.ConnectionsMax > 0 {
		used = snapshot.F(float64(*pg.ConnectionsActive) / float64(*pg.ConnectionsMax) * 100)
	}
	connLv := v.valueLevel("pg_connections", "", used)
	conns := inum(pg.ConnectionsActive) + " active"
	if pg.ConnectionsTotal != nil {
		conns += " / " + inum(pg.ConnectionsTotal) + " total"
	}
	conns += " / " + inum(pg.ConnectionsMax) + " max"
	parts := []string{
		"cache hit " + v.st.Level[v.valueLevel("pg_cache_hit", "", pg.CacheHitRatio)].Render(pct(pg.CacheHitRatio)),
		fthousands(pg.TransactionsPerMin) + " tx/min",
	}
	if pg.DatabaseSizeBytes != nil {
		parts = append(parts, bytesHuman(float64(*pg.DatabaseSizeBytes)))
	}
	return v.st.Bold.Render(fit("PostgreSQL", dbLabelW)) + fit(v.componentState("postgres", pg.Status), 14) + v.st.Level[connLv].Render(conns), parts
}

// redisLines are Redis's state and memory, and its other numbers.
func redisLines(v *view) (string, []string) {
	r := v.snap.Databases.Redis
	memLv := v.valueLevel("redis_memory", "", snapshot.InMiB(r.MemoryUsedBytes))
	mem := v.st.Level[memLv].Render(unit(snapshot.InMiB(r.MemoryUsedBytes), 1, " MB"))
	if maxMB := snapshot.InMiB(r.MaxMemoryBytes); maxMB != nil && *maxMB > 0 {
		mem += " / " + fnum(maxMB, 0) + " MB"
	}
	hit := "hit " + v.st.Level[v.valueLevel("redis_hit_ratio", "", r.HitRatio)].Render(pct(r.HitRatio))
	if r.HitRatio == nil && r.HitRatioNote != "" {
		hit = "hit " + dash + v.st.Muted.Render(" ("+r.HitRatioNote+")")
	}
	parts := []string{inum(r.ConnectedClients) + " clients", inum(r.BlockedClients) + " blocked", hit}
	if r.Version != "" {
		parts = append(parts, v.st.Muted.Render("v"+r.Version))
	}
	return v.st.Bold.Render(fit("Redis", dbLabelW)) + fit(v.componentState("redis", r.Status), 14) + "mem " + mem, parts
}

// dbLines puts a database's numbers after its head when w has room, else on a line below.
func dbLines(v *view, head string, parts []string, w int) []string {
	rest := v.join(" · ", parts...)
	if width(head)+3+width(rest) <= w {
		return []string{head + v.st.Muted.Render(" · ") + rest}
	}
	indent := min(dbLabelW+14, max(2, w-width(rest)))
	return []string{head, strings.Repeat(" ", indent) + rest}
}

func databasesBody(v *view, w int) content {
	pg, r := v.snap.Databases.PostgreSQL, v.snap.Databases.Redis
	pgHead, pgParts := pgLines(v)
	redisHead, redisParts := redisLines(v)
	pgL, redisL := dbLines(v, pgHead, pgParts, w), dbLines(v, redisHead, redisParts, w)
	dense := []string{pgHead, redisHead}
	if len(pgL) == 1 && len(redisL) == 1 {
		dense = []string{pgL[0], redisL[0]}
	}
	lines := append(v.dimIfFailed("postgres", pgL), v.dimIfFailed("redis", redisL)...)
	dense = append(v.dimIfFailed("postgres", dense[:1]), v.dimIfFailed("redis", dense[1:])...)
	if l := v.failLine("postgres", pg.Error); l != "" {
		lines = append(lines, v.st.Muted.Render("PostgreSQL ")+l)
	}
	if l := v.failLine("redis", r.Error); l != "" {
		lines = append(lines, v.st.Muted.Render("Redis ")+l)
	}
	connScale := autoScale(10)
	if pg.ConnectionsMax != nil && *pg.ConnectionsMax > 0 {
		connScale = fixedScale(float64(*pg.ConnectionsMax))
	}
	memScale := autoScale(100)
	if maxMB := snapshot.InMiB(r.MaxMemoryBytes); maxMB != nil && *maxMB > 0 {
		memScale = fixedScale(*maxMB)
	}
	charts := []chartSpec{
		{label: "conns", value: inum(pg.ConnectionsActive), key: history.KeyPGConnectionsActive, scale: connScale},
		{label: "redis", value: unit(snapshot.InMiB(r.MemoryUsedBytes), 1, " MB"), key: history.KeyRedisMemoryMB, scale: memScale, unit: " MB", level: v.levelFn("redis_memory")},
	}
	return content{lines: lines, dense: dense, charts: charts}
}

func databasesLevel(v *view) level {
	pg, r := v.snap.Databases.PostgreSQL, v.snap.Databases.Redis
	lv := max(statusLevel(pg.Status), statusLevel(r.Status))
	for _, m := range []string{"pg_connections", "pg_cache_hit", "redis_memory", "redis_hit_ratio"} {
		lv = max(lv, v.alertLevel(m, ""))
	}
	return max(lv, v.valueLevel("redis_memory", "", snapshot.InMiB(r.MemoryUsedBytes)), v.valueLevel("pg_cache_hit", "", pg.CacheHitRatio))
}

func databasesCompact(v *view) (level, string) {
	pg, r := v.snap.Databases.PostgreSQL, v.snap.Databases.Redis
	return databasesLevel(v), "pg " + orDash(pg.Status) + " " + inum(pg.ConnectionsActive) + "/" + inum(pg.ConnectionsMax) +
		" · redis " + orDash(r.Status) + " " + fnum(snapshot.InMiB(r.MemoryUsedBytes), 1) + "MB"
}

// hostLabelW aligns the host lines' labels.
const hostLabelW = 5

func hostBody(v *view, w int) content {
	h := v.snap.Host
	barW := min(20, max(6, w/6))
	label := func(s string) string { return v.st.Muted.Render(fit(s, hostLabelW)) }
	pctCell := func(lv level, p *float64) string { return v.st.Level[lv].Render(lpad(pct(p), 7)) }
	cpuLv := v.valueLevel("host_cpu", "", h.CPUPercent)
	cpu := label("CPU") + v.st.bar(h.CPUPercent, barW, cpuLv) + pctCell(cpuLv, h.CPUPercent) + "  " + loadText(v, h)
	ramLv := v.valueLevel("host_ram", "", h.RAMPercent)
	ram := label("RAM") + v.st.bar(h.RAMPercent, barW, ramLv) + pctCell(ramLv, h.RAMPercent) + "  " + usedOf(snapshot.InGiB(h.MemoryUsedBytes), snapshot.InGiB(h.MemoryTotalBytes), 1, " GiB")
	lines := []string{cpu, ram}
	mounts := h.Mounts
	if len(mounts) == 0 {
		mounts = []snapshot.Mount{{Path: "/", UsedBytes: deref(h.DiskUsedBytes), TotalBytes: deref(h.DiskTotalBytes), Percent: h.DiskPercent}}
	}
	var disks []string
	for _, m := range mounts {
		if m.Error != "" {
			lines = append(lines, label("Disk")+m.Path+" "+v.st.Level[lvWarn].Render(glyphs[lvWarn]+" "+m.Error))
			disks = append(disks, m.Path+" "+dash)
			continue
		}
		lv := v.valueLevel("host_disk", m.Path, m.Percent)
		lines = append(lines, label("Disk")+v.st.bar(m.Percent, barW, lv)+pctCell(lv, m.Percent)+"  "+usedOf(mountGiB(m.UsedBytes, m.TotalBytes), mountGiB(m.TotalBytes, m.TotalBytes), 0, " GiB")+" "+m.Path)
		disks = append(disks, m.Path+" "+v.st.Level[lv].Render(pct(m.Percent)))
	}
	net := label("Net") + "rx " + rate(h.NetRxBytesSec) + " · tx " + rate(h.NetTxBytesSec) + v.st.Muted.Render("   up ") + uptime(h.UptimeSeconds)
	lines = append(lines, net)
	dense := []string{
		v.join(" · ", "cpu "+v.st.Level[cpuLv].Render(pct(h.CPUPercent)), loadText(v, h), "ram "+v.st.Level[ramLv].Render(pct(h.RAMPercent))),
		"disk " + strings.Join(disks, " · "),
	}
	charts := []chartSpec{
		{label: "cpu", value: pct(h.CPUPercent), key: history.KeyHostCPU, scale: fixedScale(100), unit: "%", level: v.levelFn("host_cpu")},
		{label: "ram", value: pct(h.RAMPercent), key: history.KeyHostRAM, scale: fixedScale(100), unit: "%", level: v.levelFn("host_ram")},
	}
	return content{lines: lines, dense: dense, charts: charts}
}

// loadText is "load 8.97 on 2 cores", coloured by the load per core.
func loadText(v *view, h snapshot.Host) string {
	if len(h.Load) == 0 {
		return "load " + dash
	}
	s := "load " + strconv.FormatFloat(h.Load[0], 'f', 2, 64)
	if h.CPUCount > 0 {
		s += " on " + strconv.Itoa(h.CPUCount) + " cores"
	}
	return v.st.Level[loadLevel(h)].Render(s)
}

func hostLevel(v *view) level {
	h := v.snap.Host
	lv := max(v.valueLevel("host_cpu", "", h.CPUPercent), v.valueLevel("host_ram", "", h.RAMPercent), loadLevel(h))
	for _, m := range h.Mounts {
		lv = max(lv, v.valueLevel("host_disk", m.Path, m.Percent))
	}
	if h.CPUPercent == nil && h.RAMPercent == nil {
		lv = max(lv, lvUnknown)
	}
	return lv
}

func hostCompact(v *view) (level, string) {
	h := v.snap.Host
	return hostLevel(v), "cpu " + pct(h.CPUPercent) + " · ram " + pct(h.RAMPercent) + " · disk " + pct(h.DiskPercent)
}

// trackerCell is one bucket's glyph in a container's strip: shape and colour both say the state.
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

// tracker draws the states in w columns, newest right: the newest w when there are more,
// each over an equal share of the columns when there are fewer; one style change per run.
func (v *view) tracker(states []string, w int) string {
	if w <= 0 {
		return ""
	}
	if len(states) > w {
		states = states[len(states)-w:]
	}
	n := len(states)
	var b strings.Builder
	b.Grow(w*4 + 64)
	if n == 0 {
		for range w {
			b.WriteByte(' ')
		}
		return b.String()
	}
	// State i covers the columns from i*w/n up to (i+1)*w/n; a run of equal states is
	// styled once.
	for i := 0; i < n; {
		j := i
		for j < n && states[j] == states[i] {
			j++
		}
		g, lv := trackerCell(states[i])
		st := &v.st.Level[lv]
		st.open(&b)
		for range j*w/n - i*w/n {
			b.WriteString(g)
		}
		st.close(&b)
		i = j
	}
	return b.String()
}

// stateRank orders container states for merging buckets: the worst state wins.
func stateRank(s string) int {
	switch s {
	case snapshot.StatusUnreachable:
		return 4
	case snapshot.HealthUnhealthy:
		return 3
	case snapshot.HealthStarting, snapshot.StatusLoading:
		return 2
	case snapshot.HealthHealthy:
		return 1
	}
	if s == "" {
		return 0
	}
	return 2
}

// mergeStates folds 60 bucket states into cols columns, keeping each column's worst.
func mergeStates(tl []string, cols int) []string {
	if cols <= 0 || len(tl) == 0 {
		return nil
	}
	_, f := columnsFor(len(tl), cols)
	out := make([]string, len(tl)/f)
	for c := range out {
		for _, s := range tl[c*f : (c+1)*f] {
			if stateRank(s) > stateRank(out[c]) {
				out[c] = s
			}
		}
	}
	return out
}

// containerNameW is the width of the containers' name column.
func containerNameW(cs snapshot.Containers) int {
	n := 8
	for _, c := range cs {
		n = max(n, min(20, width(c.Name)))
	}
	return n
}

func containersBody(v *view, w int) content {
	cs := v.snap.Containers
	_, dense := containersCompact(v)
	var lines []string
	if len(cs) == 0 {
		lines = append(lines, containersHead(v))
	}
	nameW := containerNameW(cs)
	stripW := max(0, w-nameW-1-15-14-runtimeReserve(cs, w)) // issue 14: room for the Engine API's detail
	cols, merge := columnsFor(60, stripW)
	if merge == 1 {
		cols = stripW // a wide strip spreads the 60 buckets over its width
	}
	for _, c := range cs {
		lv := statusLevel(c.State)
		state := v.st.Level[lv].Render(fit(glyphs[lv]+" "+orDash(c.State), 15))
		changed := ""
		if c.LastChange != nil {
			changed = v.st.Muted.Render(" " + ago(v.now().Sub(c.LastChange.Time)) + " ago")
		}
		tl := c.Timeline
		if v.timeline != nil {
			tl = v.timeline(c.Name)
		}
		line := fit(c.Name, nameW+1) + state + v.tracker(mergeStates(padStates(tl), stripW), cols) + changed
		lines = append(lines, line+runtimeDetail(v, c, w-width(line))) // issue 14: panels_low_depth.go
	}
	if len(cs) > 0 && cols > 0 {
		lines = append(lines, strings.Repeat(" ", nameW+1+15)+v.st.Muted.Render(timeScale(v.rng, cols, merge)))
	}
	var denseLines []string
	if bad := strings.SplitN(dense, " · ", 2); len(bad) == 2 {
		denseLines = []string{v.st.Level[containersLevelOf(v)].Render(bad[1])}
	}
	return content{lines: lines, dense: denseLines}
}

// padStates makes a timeline exactly 60 states, oldest first, unknown where missing.
func padStates(tl []string) []string {
	if len(tl) >= 60 {
		return tl[len(tl)-60:]
	}
	out := make([]string, 60)
	copy(out[60-len(tl):], tl)
	return out
}

// timeScale is the strip's time axis: "-5m" at the left, "now" at the right.
func timeScale(r Range, cols, merge int) string {
	left := "-" + r.String()
	mid := "-" + formatSpan(r.Span()/2)
	right := "now"
	if cols < width(left)+width(mid)+width(right)+4 {
		return fit(left, cols-width(right)) + right
	}
	half := cols / 2
	return fit(left, half-width(mid)/2) + fit(mid, cols-half+width(mid)/2-width(right)) + right
}

func formatSpan(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return strconv.Itoa(int(d/time.Minute)) + "m" + strconv.Itoa(int(d%time.Minute/time.Second)) + "s"
}

// containersLevel is the worst state of the rows: critical from container_health's
// critical level of rows down (2 by default), warning from its warning level or one
// starting (an LLM still loading its model). A row whose source is off
// or not probed yet (unknown) does not lower it, as it does not raise container_health.
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

func containersLevelOf(v *view) level {
	lv, _ := containersLevel(v.snap.Containers, v.snap.ContainerRule())
	return lv
}

// containersWord is the title's state: "6/6 healthy".
func containersWord(v *view) string {
	cs := v.snap.Containers
	if len(cs) == 0 {
		return "none configured"
	}
	_, healthy := containersLevel(cs, v.snap.ContainerRule())
	return strconv.Itoa(healthy) + "/" + strconv.Itoa(len(cs)) + " healthy"
}

func containersHead(v *view) string {
	cs := v.snap.Containers
	if len(cs) == 0 {
		return v.st.state(lvUnknown, "no containers configured")
	}
	lv, healthy := containersLevel(cs, v.snap.ContainerRule())
	return v.st.state(lv, strconv.Itoa(healthy)+"/"+strconv.Itoa(len(cs))+" healthy")
}

func containersCompact(v *view) (level, string) {
	cs := v.snap.Containers
	lv, healthy := containersLevel(cs, v.snap.ContainerRule())
	s := strconv.Itoa(healthy) + "/" + strconv.Itoa(len(cs)) + " healthy"
	byState := map[string][]string{}
	var order []string
	for _, c := range cs {
		if c.State == snapshot.HealthHealthy {
			continue
		}
		st := orDash(c.State)
		if _, ok := byState[st]; !ok {
			order = append(order, st)
		}
		byState[st] = append(byState[st], c.Name)
	}
	for _, st := range order {
		names := byState[st]
		if len(names) == len(cs) {
			s += " · all " + st
			continue
		}
		s += " · " + strings.Join(names, ", ") + " " + st
	}
	return lv, s
}

// deref is *b, or 0 for nil.
func deref(b *uint64) uint64 {
	if b == nil {
		return 0
	}
	return *b
}

// mountGiB is b in GiB, unknown for a mount of unknown size (total 0).
func mountGiB(b, total uint64) *float64 {
	if total == 0 {
		return nil
	}
	return snapshot.InGiB(&b)
}
