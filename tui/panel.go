package tui

import (
	"strings"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// view is what the panels draw from: the displayed snapshot (frozen while paused), the
// chart data, the alert levels and the user's choices.
type view struct {
	snap     *snapshot.Snapshot
	series   SeriesReader
	timeline func(name string) []string
	rng      Range
	gpu      int // index into snap.GPUs of the selected GPU
	st       *Styles
	th       Thresholds
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

// alertLevel is the level of the active alert on metric (and object, when given), so a
// value is coloured when the alert rules say it is out of range.
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

// panelKind names the panels. Overview and Workers fold into the header's strip in the
// full view and keep a line each in the compact view.
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

// content is what a panel shows: its full lines, its dense lines (80×24: state and key
// numbers only) and its charts, which the layout sizes.
type content struct {
	lines  []string
	dense  []string
	charts []chartSpec
}

// panelDef is one panel's fixed description: its title, the sources whose freshness it
// shows, and whether the range or GPU selection changes it.
type panelDef struct {
	title    string
	short    string
	sources  []snapshot.SourceName
	charts   bool
	gpuAware bool
	// via names where the panel's numbers came from when one source fills it.
	via func(v *view) string
	// alternatives: the sources stand in for one another (a fallback chain), so one of
	// them failing is news only when none answered.
	alternatives bool
	body         func(v *view, w int) content
	// level is the panel's own state: its components' statuses and its values' levels.
	level func(v *view) level
	// word replaces the level's word in the title when set ("6/6 healthy").
	word    func(v *view) string
	compact func(v *view) (level, string)
}

// panelDefs is indexed by panelKind. The source names are the collector's Source names;
// a panel lists every source that can fill it, preferred first.
var panelDefs = [numPanels]panelDef{
	pOverview:   {title: "Overview", short: "Overview", sources: []snapshot.SourceName{"backend", "postgres"}, compact: overviewCompact, via: func(v *view) string { return v.snap.Overview.Source }},
	pWorkers:    {title: "Workers", short: "Workers", sources: []snapshot.SourceName{"backend", "prometheus"}, compact: workersCompact, via: func(v *view) string { return v.snap.Workers.Source }},
	pGPU:        {title: "GPU", short: "GPU", sources: []snapshot.SourceName{"nvml", "prometheus", "detector"}, charts: true, gpuAware: true, body: gpuBody, level: gpuPanelLevel, word: gpuWord, compact: gpuCompact, via: gpuVia},
	pModels:     {title: "AI Models", short: "Models", sources: []snapshot.SourceName{"detector", "llm"}, charts: true, body: modelsBody, level: modelsLevel, compact: modelsCompact},
	pInference:  {title: "Inference", short: "Infer", sources: []snapshot.SourceName{"prometheus", "backend", "redis", "postgres"}, alternatives: true, charts: true, body: inferenceBody, level: inferenceLevel, compact: inferenceCompact},
	pDatabases:  {title: "Databases", short: "DB", sources: []snapshot.SourceName{"postgres", "redis"}, charts: true, body: databasesBody, level: databasesLevel, compact: databasesCompact},
	pHost:       {title: "Host", short: "Host", sources: []snapshot.SourceName{"host"}, charts: true, body: hostBody, level: hostLevel, compact: hostCompact, via: func(*view) string { return snapshot.ViaHost }},
	pContainers: {title: "Containers", short: "Cont", sources: []snapshot.SourceName{"containers"}, charts: true, body: containersBody, level: containersLevelOf, word: containersWord, compact: containersCompact},
}

// panel is one panel's sub-model: it caches its content for one width and rebuilds it
// only when invalidated (a new snapshot, a new width, or a key that changes it).
type panel struct {
	kind  panelKind
	w     int
	c     content
	valid bool
}

func (p *panel) invalidate() { p.valid = false }

// content returns the panel's content at width w, building it only when needed.
func (p *panel) content(v *view, w int) content {
	if p.valid && p.w == w {
		return p.c
	}
	def := &panelDefs[p.kind]
	p.c = def.body(v, w)
	p.c.charts = withData(v, p.c.charts)
	if panelStale(v, def) {
		for i, l := range p.c.lines {
			p.c.lines[i] = v.st.Dim.Render(l)
		}
		for i, l := range p.c.dense {
			p.c.dense[i] = v.st.Dim.Render(l)
		}
	}
	p.w, p.valid = w, true
	return p.c
}

// withData drops the charts with no sample in the range: a source that never answered
// gets its reason, not empty charts.
func withData(v *view, specs []chartSpec) []chartSpec {
	out := specs[:0]
	for _, sp := range specs {
		for _, p := range v.points(sp.key) {
			if p.Count > 0 {
				out = append(out, sp)
				break
			}
		}
	}
	return out
}

// stateWords is the one word for each level, used by every panel and the header.
var stateWords = [...]string{lvOK: "healthy", lvInfo: "starting", lvUnknown: "unknown", lvWarn: "warning", lvCrit: "critical"}

// panelState is the panel's state for its title: "unreachable" or "stale 41s" when no
// source of it answered this tick, else its own level's word.
func panelState(v *view, def *panelDef) (level, string) {
	configured, failed, answered := 0, 0, false
	var age *float64
	for _, name := range def.sources {
		ss, ok := v.snap.Source(name)
		if !ok {
			continue
		}
		configured++
		if ss.OK {
			continue
		}
		failed++
		if ss.AgeSeconds != nil {
			answered = true
			if age == nil || *ss.AgeSeconds > *age {
				age = ss.AgeSeconds
			}
		}
	}
	if configured > 0 && failed == configured {
		if !answered {
			return lvCrit, "unreachable"
		}
		return lvWarn, "stale " + ago(time.Duration(*age*float64(time.Second)))
	}
	lv := lvUnknown
	if def.level != nil {
		lv = def.level(v)
	}
	if def.word != nil {
		return lv, def.word(v)
	}
	return lv, stateWords[lv]
}

// panelStale reports whether every configured source of the panel failed: its values are
// old and drawn dimmed.
func panelStale(v *view, def *panelDef) bool {
	configured, failed := 0, 0
	for _, name := range def.sources {
		if ss, ok := v.snap.Source(name); ok {
			configured++
			if !ss.OK {
				failed++
			}
		}
	}
	return configured > 0 && failed == configured
}

// panelNote is the right side of the panel's title: where its numbers came from ("via
// NVML"), or the problem of the source it relies on, in the footer's words.
func panelNote(v *view, def *panelDef) string {
	via := ""
	if def.via != nil {
		via = def.via(v)
	}
	if via != "" {
		if ss, ok := v.snap.Source(sourceOfVia(via)); ok && !ss.OK {
			return v.st.Level[lvWarn].Render(sourceProblem(ss))
		}
		return v.st.Muted.Render("via " + viaName(via))
	}
	if def.alternatives {
		return ""
	}
	var failed []snapshot.SourceStatus
	for _, name := range def.sources {
		if ss, ok := v.snap.Source(name); ok && !ss.OK {
			failed = append(failed, ss)
		}
	}
	if len(failed) == 0 {
		return ""
	}
	// Sources failing the same way are named together, the state and reason once.
	names := []string{sourceName(failed[0].Source)}
	for _, ss := range failed[1:] {
		if sourceState(ss) != sourceState(failed[0]) || shortErr(ss.Error, 40) != shortErr(failed[0].Error, 40) {
			return v.st.Level[lvWarn].Render(sourceProblem(failed[0]))
		}
		names = append(names, sourceName(ss.Source))
	}
	return v.st.Level[lvWarn].Render(strings.Join(names, ", ") + " " + sourceState(failed[0]) + ": " + orDash(shortErr(failed[0].Error, 40)))
}

// sourceOfVia is the source that reports numbers as coming from via.
func sourceOfVia(via string) snapshot.SourceName {
	switch via {
	case snapshot.ViaSQL:
		return "postgres"
	case snapshot.ViaDetector:
		return "detector"
	}
	return snapshot.SourceName(via) // nvml, prometheus, backend, redis, host
}

// sourceNames are the sources in an operator's words.
var sourceNames = map[snapshot.SourceName]string{
	"backend": "Backend API", "containers": "Docker", "detector": "Detector", "host": "Host",
	"llm": "LLM", "nvml": "GPU (NVML)", "postgres": "PostgreSQL", "prometheus": "Prometheus",
	"redis": "Redis", "self": "hsi-top",
}

// sourceName spells a source the way the operator knows it.
func sourceName(s snapshot.SourceName) string {
	if n, ok := sourceNames[s]; ok {
		return n
	}
	return string(s)
}

// sourceState is the one word for a failing source: "stale 41s" when it answered
// before, "unreachable" when it never did.
func sourceState(ss snapshot.SourceStatus) string {
	if ss.AgeSeconds == nil {
		return "unreachable"
	}
	return "stale " + ago(time.Duration(*ss.AgeSeconds*float64(time.Second)))
}

// sourceProblem is "Redis stale 41s: timeout" or "Backend API unreachable: connection refused".
func sourceProblem(ss snapshot.SourceStatus) string {
	return sourceName(ss.Source) + " " + sourceState(ss) + ": " + orDash(shortErr(ss.Error, 40))
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

// failLine is a component's problem in the panel, in the same words as the footer: the
// failing source's state and reason when its source failed, else the component's error.
func (v *view) failLine(source snapshot.SourceName, errText string) string {
	if ss, ok := v.snap.Source(source); ok && !ss.OK {
		return "" // the state word on the component's line and the title's note say it
	}
	if errText == "" {
		return ""
	}
	return v.st.Level[lvWarn].Render(glyphs[lvWarn] + " " + shortErr(errText, 60))
}

// componentState is a component's state word in its panel: the source's own word
// ("stale 41s", "unreachable") when its source failed this tick, else its status.
func (v *view) componentState(source snapshot.SourceName, status string) string {
	if ss, ok := v.snap.Source(source); ok && !ss.OK {
		lv := lvWarn
		if ss.AgeSeconds == nil {
			lv = lvCrit
		}
		return v.st.state(lv, sourceState(ss))
	}
	return v.st.state(statusLevel(status), orDash(status))
}

// dimIfFailed dims a component's lines when its source failed this tick: the numbers are
// the last ones it read.
func (v *view) dimIfFailed(source snapshot.SourceName, lines []string) []string {
	if ss, ok := v.snap.Source(source); ok && !ss.OK {
		for i, l := range lines {
			lines[i] = v.st.Dim.Render(l)
		}
	}
	return lines
}
