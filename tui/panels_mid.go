package tui

import (
	"strings"

	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
)

func tensorRT(b *bool) string {
	if b == nil {
		return ""
	}
	if *b {
		return "TensorRT on"
	}
	return "TensorRT off"
}

func slots(l snapshot.LLM) string {
	if l.SlotsActive == nil && l.SlotsTotal == nil {
		return dash
	}
	return inum(l.SlotsActive) + "/" + inum(l.SlotsTotal) + " busy"
}

// modelLabelW is the width of the "Detector"/"LLM" labels, so the states line up.
const modelLabelW = 9

func detectorLines(v *view) (string, string) {
	d := v.snap.AIModels.Detector
	head := v.st.Bold.Render(fit("Detector", modelLabelW)) + v.componentState("detector", d.Status) +
		v.st.Muted.Render("  VRAM ") + unit(snapshot.InGiB(d.VRAMUsedBytes), 2, " GiB")
	info := []string{strp(d.Model)}
	if d.Device != nil {
		info = append(info, *d.Device)
	}
	if t := tensorRT(d.TensorRTEnabled); t != "" {
		info = append(info, t)
	}
	return head, strings.Repeat(" ", modelLabelW) + v.st.Muted.Render(strings.Join(info, " · "))
}

func llmLines(v *view) (string, string, string) {
	l := v.snap.AIModels.Nemotron
	kv := dash
	if l.KVCacheUsageRatio != nil {
		kv = fnum(snapshot.F(*l.KVCacheUsageRatio*100), 0) + "%"
	}
	sl := "slots " + strings.TrimSuffix(slots(l), " busy")
	if l.SlotsError != "" {
		sl += v.st.Muted.Render(" (" + shortErr(l.SlotsError, 30) + ")")
	}
	head := v.st.Bold.Render(fit("LLM", modelLabelW)) + v.componentState("llm", l.Status) + "  " +
		v.join(" · ", sl, "KV "+kv, deferredText(v, l))
	speeds := strings.Repeat(" ", modelLabelW) + v.join(" · ", "gen "+fnum(l.TokensPerSecond, 1)+" tok/s", "prompt "+fthousands(l.PromptTokensPerSecond)+" tok/s")
	info := []string{strp(l.Model)}
	if l.Model == nil && l.ModelFile != nil {
		info = info[:0] // the file names the model (/props) when /slots does not
	}
	if l.ContextSize != nil {
		info = append(info, "ctx "+thousands(*l.ContextSize)+" tokens/slot")
	}
	info = append(info, llmModelInfo(l)...) // issue 14: panels_mid_depth.go
	return head, speeds, strings.Repeat(" ", modelLabelW) + v.st.Muted.Render(strings.Join(info, " · "))
}

func modelsBody(v *view, w int) content {
	d1, d2 := detectorLines(v)
	l1, l2, l3 := llmLines(v)
	lines := append(v.dimIfFailed("detector", []string{d1, d2}), v.dimIfFailed("llm", []string{l1, l2, l3})...)
	dense := []string{lines[0], lines[2]}
	if l := v.failLine("detector", v.snap.AIModels.Detector.Error); l != "" {
		lines = append(lines, v.st.Muted.Render("Detector ")+l)
	}
	if l := v.failLine("llm", v.snap.AIModels.Nemotron.Error); l != "" {
		lines = append(lines, v.st.Muted.Render("LLM ")+l)
	}
	if w := v.snap.AIModels.Nemotron.OffloadWarning; w != "" {
		lines = append(lines, v.st.Level[lvWarn].Render(glyphs[lvWarn]+" "+w))
	}
	l := v.snap.AIModels.Nemotron
	slotScale := autoScale(1)
	if l.SlotsTotal != nil && *l.SlotsTotal > 0 {
		slotScale = fixedScale(float64(*l.SlotsTotal))
	}
	charts := []chartSpec{
		{label: "gen/s", value: fnum(l.TokensPerSecond, 1), key: history.KeyLLMTokensPerSec, scale: autoScale(10)},
		{label: "prompt", value: fnum(l.PromptTokensPerSecond, 0), key: history.KeyLLMPromptTokensPerSec, scale: autoScale(100)},
		{label: "slots", value: inum(l.SlotsActive), key: history.KeyLLMSlotsBusy, scale: slotScale},
	}
	return content{lines: lines, dense: dense, charts: charts}
}

func modelsLevel(v *view) level {
	d, l := v.snap.AIModels.Detector, v.snap.AIModels.Nemotron
	return max(statusLevel(d.Status), statusLevel(l.Status))
}

func modelsCompact(v *view) (level, string) {
	d, l := v.snap.AIModels.Detector, v.snap.AIModels.Nemotron
	return modelsLevel(v), "det " + orDash(d.Status) + " · llm " + orDash(l.Status) + " " + slots(l)
}

// latencyLine is "Detector  p95 82 ms  avg 45 ms  p99 120 ms (n=409, 5m)", shortened
// (sample count, then p99) to fit w.
func latencyLine(v *view, label string, l *snapshot.Latency, metric string, w int) string {
	head := v.st.Muted.Render(fit(label, 9))
	if l == nil {
		return head + dash
	}
	p95 := "p95 " + ms(l.P95)
	if metric != "" {
		p95 = v.st.Level[v.valueLevel(metric, "", l.P95)].Render(p95)
	}
	s := fit(p95, 13) + " avg " + ms(l.Avg)
	p99 := ""
	if l.P99 != nil {
		p99 = "  p99 " + ms(l.P99)
	}
	var meta []string
	if l.Samples != nil {
		meta = append(meta, "n="+thousands(*l.Samples))
	}
	if l.Window != "" {
		meta = append(meta, l.Window)
	}
	m := ""
	if len(meta) > 0 {
		m = v.st.Muted.Render(" (" + strings.Join(meta, ", ") + ")")
	}
	for _, tail := range []string{p99 + m, p99, ""} {
		if width(head)+width(s)+width(tail) <= w {
			return head + s + tail
		}
	}
	return head + s
}

// flowLine is the throughput and the queues, shortened to fit w.
func flowLine(v *view, w int) string {
	in := v.snap.Inference
	tp := dash
	if t := in.Throughput; t != nil {
		tp = fnum(t.ImagesPerMin, 1) + " img/min · " + fnum(t.EventsPerMin, 1) + " ev/min"
	}
	head := v.st.Muted.Render(fit("Flow", 9)) + tp
	if qs := in.Queues; qs != nil {
		long := v.st.Muted.Render(" · queues ") + inum(qs.Detection) + " detect, " + inum(qs.Analysis) + " analyse"
		if width(head)+width(long) <= w {
			return head + long
		}
		return head + v.st.Muted.Render(" · queues ") + inum(qs.Detection) + "/" + inum(qs.Analysis)
	}
	return head + v.st.Muted.Render(" · queues ") + dash
}

// inferenceErrors collapses the parts' errors: parts with the same reason share a line.
func inferenceErrors(v *view) []string {
	in := v.snap.Inference
	var order []string
	parts := map[string][]string{}
	labels := map[snapshot.Part]string{snapshot.PartDetect: "detector", snapshot.PartAnalyze: "llm", snapshot.PartPipeline: "pipeline",
		snapshot.PartThroughput: "throughput", snapshot.PartQueues: "queues"}
	for _, part := range snapshot.InferenceParts {
		e := in.Errors[part]
		if e == "" {
			continue
		}
		e = shortErr(e, 60)
		if _, ok := parts[e]; !ok {
			order = append(order, e)
		}
		parts[e] = append(parts[e], labels[part])
	}
	out := make([]string, 0, len(order))
	for _, e := range order {
		out = append(out, v.st.Level[lvWarn].Render(glyphs[lvWarn]+" "+strings.Join(parts[e], ", ")+": "+e))
	}
	return out
}

func inferenceBody(v *view, w int) content {
	in := v.snap.Inference
	lines := []string{
		latencyLine(v, "Detector", in.DetectorLatency, "rtdetr_latency_p95", w),
		latencyLine(v, "LLM", in.LLMLatency, "nemotron_latency_p95", w),
		latencyLine(v, "Pipeline", in.PipelineLatency, "", w),
		flowLine(v, w),
	}
	lines = append(lines, inferenceErrors(v)...)
	_, dense := inferenceCompact(v)
	var tpImg *float64
	if in.Throughput != nil {
		tpImg = in.Throughput.ImagesPerMin
	}
	charts := []chartSpec{
		{label: "det95", value: ms(latP95(in.DetectorLatency)), key: history.KeyDetectP95, scale: autoScale(100), unit: " ms", level: v.levelFn("rtdetr_latency_p95"),
			marks: history.KeyContention},
		{label: "llm95", value: ms(latP95(in.LLMLatency)), key: history.KeyAnalyzeP95, scale: autoScale(1000), unit: " ms", level: v.levelFn("nemotron_latency_p95")},
		{label: "img/m", value: fnum(tpImg, 1), key: history.KeyImagesPerMin, scale: autoScale(10), unit: ""},
	}
	return content{lines: lines, dense: []string{dense}, charts: charts}
}

func latP95(l *snapshot.Latency) *float64 {
	if l == nil {
		return nil
	}
	return l.P95
}

func inferenceLevel(v *view) level {
	in := v.snap.Inference
	lv := max(v.valueLevel("rtdetr_latency_p95", "", latP95(in.DetectorLatency)), v.valueLevel("nemotron_latency_p95", "", latP95(in.LLMLatency)))
	if in.DetectorLatency == nil && in.LLMLatency == nil && in.Queues == nil {
		lv = max(lv, lvUnknown)
	}
	return lv
}

func inferenceCompact(v *view) (level, string) {
	in := v.snap.Inference
	s := "det p95 " + ms(latP95(in.DetectorLatency)) + " · llm p95 " + ms(latP95(in.LLMLatency))
	if t := in.Throughput; t != nil {
		s += " · " + fnum(t.ImagesPerMin, 1) + " img/min"
	}
	if q := in.Queues; q != nil {
		s += " · queues " + inum(q.Detection) + "/" + inum(q.Analysis)
	}
	return inferenceLevel(v), s
}
