package tui

import (
	"strings"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// view is what the panels draw from: the displayed snapshot (frozen while paused), the
// chart data and the user's choices.
type view struct {
	snap   *snapshot.Snapshot
	series SeriesReader
	rng    Range
	gpu    int // index into snap.GPUs of the selected GPU
	st     *Styles
}

// now is the displayed snapshot's time: durations ("active 3m", "changed 2h ago") are
// measured against it, so a frozen screen stays self-consistent.
func (v *view) now() time.Time { return v.snap.Timestamp.Time }

// points returns a series for the current range, or nil without a history.
func (v *view) points(key string) []Point {
	if v.series == nil {
		return nil
	}
	return v.series.Series(key, v.rng)
}

// rangeMax is the highest bucket maximum of pts, for "max 52%" labels; nil when empty.
func rangeMax(pts []Point) *float64 {
	var m float64
	ok := false
	for _, p := range pts {
		if p.Count > 0 && (!ok || p.Max > m) {
			m, ok = p.Max, true
		}
	}
	if !ok {
		return nil
	}
	return &m
}

// alertLevel is the level of the active alert on metric (and object, when given), so a
// value is coloured exactly when the alert rules say it is out of range.
func (v *view) alertLevel(metric, object string) level {
	lv := lvOK
	for _, a := range v.snap.Alerts {
		if string(a.Metric) != metric || (object != "" && a.Object != "" && a.Object != object) {
			continue
		}
		if a.Severity == snapshot.SeverityCritical {
			return lvCrit
		}
		lv = lvWarn
	}
	return lv
}

// panelKind names the seven panels, in the page's order.
type panelKind int

const (
	pOverview panelKind = iota
	pWorkers
	pGPU
	pModels
	pInference
	pDatabases
	pHost
	pContainers
	numPanels
)

// panelDef is one panel's fixed description: its title, the sources whose freshness it
// shows, and whether the range or GPU selection changes it.
type panelDef struct {
	title    string
	short    string
	sources  []string
	charts   bool
	gpuAware bool
	// via names where the panel's numbers came from when one source fills it; panels
	// whose lines each say their own source leave it nil.
	via func(v *view) string
	// alternatives: the sources stand in for one another (a fallback chain), so one of
	// them failing is news only when none answered.
	alternatives bool
	body         func(v *view, w int) []string
	compact      func(v *view) (level, string)
}

// panelDefs is indexed by panelKind. The source names are the collector's Source names;
// a panel lists every source that can fill it, preferred first.
var panelDefs = [numPanels]panelDef{
	pOverview:   {title: "System Overview", short: "Overview", sources: []string{"backend", "postgres"}, body: overviewBody, compact: overviewCompact, via: func(v *view) string { return v.snap.Overview.Source }},
	pWorkers:    {title: "Background Workers", short: "Workers", sources: []string{"backend", "prometheus"}, body: workersBody, compact: workersCompact, via: func(v *view) string { return v.snap.Workers.Source }},
	pGPU:        {title: "GPU", short: "GPU", sources: []string{"nvml", "prometheus", "detector"}, charts: true, gpuAware: true, body: gpuBody, compact: gpuCompact, via: gpuVia},
	pModels:     {title: "AI Models", short: "Models", sources: []string{"detector", "llm"}, body: modelsBody, compact: modelsCompact},
	pInference:  {title: "Inference", short: "Infer", sources: []string{"prometheus", "backend", "redis", "postgres"}, alternatives: true, charts: true, body: inferenceBody, compact: inferenceCompact},
	pDatabases:  {title: "Databases", short: "DB", sources: []string{"postgres", "redis"}, charts: true, body: databasesBody, compact: databasesCompact},
	pHost:       {title: "Host", short: "Host", sources: []string{"host"}, charts: true, body: hostBody, compact: hostCompact, via: func(*view) string { return snapshot.ViaHost }},
	pContainers: {title: "Containers", short: "Cont", sources: []string{"containers"}, body: containersBody, compact: containersCompact},
}

// panel is one panel's sub-model: it caches its drawn box and redraws only when
// invalidated (a new snapshot, a new width, or a key that changes it).
type panel struct {
	kind  panelKind
	w     int
	lines []string
	valid bool
}

func (p *panel) setSize(w int) {
	if w != p.w {
		p.w, p.valid = w, false
	}
}

func (p *panel) invalidate() { p.valid = false }

// view returns the panel's box lines, drawing them only when invalid.
func (p *panel) view(v *view) []string {
	if p.valid {
		return p.lines
	}
	def := &panelDefs[p.kind]
	note, all := panelNote(v, def)
	body := def.body(v, max(0, p.w-4))
	if all {
		for i, l := range body {
			body[i] = v.st.Dim.Render(l)
		}
	}
	title := def.title
	if def.charts {
		title += " · " + v.rng.String()
	}
	p.lines = v.st.box(title, note, body, p.w, 0)
	p.valid = true
	return p.lines
}

// panelNote is the panel title's note and whether all its sources are stale. A panel
// filled by one source of a fallback chain (GPU via NVML, overview via the backend) talks
// about that source: "via NVML", or its staleness; the other sources of the chain not
// answering (no Prometheus deployed) is no news. Otherwise the first stale source is
// named, but for a chain only when none of its sources answered.
func panelNote(v *view, def *panelDef) (string, bool) {
	note, all := freshness(v, def.sources)
	via := ""
	if def.via != nil {
		via = def.via(v)
	}
	if via == "" {
		if def.alternatives && !all {
			note = ""
		}
		return note, all
	}
	if ss, ok := v.snap.Source(snapshot.SourceName(sourceOfVia(via))); ok && !ss.OK {
		return v.st.Level[lvWarn].Render(staleText(ss)), all
	}
	return v.st.Muted.Render("via " + viaName(via)), all
}

// sourceOfVia is the source that reports numbers as coming from via.
func sourceOfVia(via string) string {
	switch via {
	case snapshot.ViaSQL:
		return "postgres"
	case snapshot.ViaDetector:
		return "detector"
	}
	return via // nvml, prometheus, backend, redis, host
}

// freshness describes the panel's sources for its title: "redis stale 41s: timeout" for
// the first stale source, else nothing. all reports whether every configured source of
// the panel is stale (the panel's values are all old: dim them).
func freshness(v *view, names []string) (note string, all bool) {
	var stale *snapshot.SourceStatus
	configured, fresh := 0, 0
	for _, name := range names {
		ss, ok := v.snap.Source(snapshot.SourceName(name))
		if !ok {
			continue
		}
		configured++
		switch {
		case ss.OK:
			fresh++
		case stale == nil:
			stale = &ss
		}
	}
	if stale == nil {
		return "", false
	}
	return v.st.Level[lvWarn].Render(staleText(*stale)), fresh == 0 && configured > 0
}

// staleText is "redis stale 41s: timeout", or "redis unreachable: …" when it never answered.
func staleText(ss snapshot.SourceStatus) string {
	reason := shortErr(ss.Error, 28)
	if ss.AgeSeconds == nil {
		return string(ss.Source) + " no data: " + orDash(reason)
	}
	return string(ss.Source) + " stale " + ago(time.Duration(*ss.AgeSeconds*float64(time.Second))) + ": " + orDash(reason)
}

// viaName spells a Via value the way the operator knows it.
func viaName(via string) string {
	switch via {
	case snapshot.ViaNVML:
		return "NVML"
	case snapshot.ViaPrometheus:
		return "Prometheus"
	case snapshot.ViaBackend:
		return "backend API"
	case snapshot.ViaRedis:
		return "Redis"
	case snapshot.ViaSQL:
		return "PostgreSQL"
	case snapshot.ViaHTTP:
		return "HTTP"
	case snapshot.ViaHost:
		return "host"
	case snapshot.ViaDetector:
		return "detector"
	}
	return via
}

// kv is a "Label   value" line with the label padded to n cells.
func (v *view) kv(label string, n int, value string) string {
	return v.st.Muted.Render(fit(label, n)) + value
}

// join joins non-empty parts with a muted separator.
func (v *view) join(sep string, parts ...string) string {
	var b strings.Builder
	s := v.st.Muted.Render(sep)
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(s)
		}
		b.WriteString(p)
	}
	return b.String()
}
