package tui

import (
	"strconv"
	"strings"

	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
)

// halves lays two cards side by side when w allows, else one above the other.
func halves(left, right []string, w int) []string {
	if w >= 60 {
		lw := (w - 3) / 2
		return columns([][]string{left, right}, []int{lw, w - 3 - lw}, " │ ")
	}
	return append(append(left, ""), right...)
}

func detectorCard(v *view) []string {
	d := v.snap.AIModels.Detector
	key := v.snap.AIModels.DetectorKey
	if key == "" {
		key = snapshot.DefaultDetectorKey
	}
	lines := []string{
		v.st.Bold.Render("Detector ("+key+") ") + v.st.state(statusLevel(d.Status), orDash(d.Status)),
		v.kv("Model", 8, strp(d.Model)),
		v.kv("Device", 8, strp(d.Device)+tensorRT(d.TensorRTEnabled)),
		v.kv("VRAM", 8, unit(d.VRAMGB, 2, " GiB")),
	}
	if d.Error != "" {
		lines = append(lines, v.st.Level[lvWarn].Render(d.Error))
	}
	return lines
}

func tensorRT(b *bool) string {
	if b == nil {
		return ""
	}
	if *b {
		return "  TensorRT on"
	}
	return "  TensorRT off"
}

func slots(l snapshot.LLM) string {
	if l.SlotsActive == nil && l.SlotsTotal == nil {
		return dash
	}
	return inum(l.SlotsActive) + "/" + inum(l.SlotsTotal) + " busy"
}

func llmCard(v *view) []string {
	l := v.snap.AIModels.Nemotron
	sl := slots(l)
	if l.SlotsError != "" {
		sl += v.st.Muted.Render(" (" + l.SlotsError + ")")
	}
	kv := dash
	if l.KVCacheUsageRatio != nil {
		kv = pct(snapshot.F(*l.KVCacheUsageRatio * 100))
	}
	lines := []string{
		v.st.Bold.Render("LLM ("+snapshot.NemotronKey+") ") + v.st.state(statusLevel(l.Status), orDash(l.Status)),
		v.kv("Slots", 9, sl),
		v.kv("Context", 9, inumTokens(l.ContextSize)),
		v.kv("Tokens/s", 9, fnum(l.TokensPerSecond, 1)) + v.st.Muted.Render("   KV cache ") + kv,
	}
	if l.Model != nil {
		lines = append(lines, v.kv("Model", 9, *l.Model))
	}
	if l.Error != "" {
		lines = append(lines, v.st.Level[lvWarn].Render(l.Error))
	}
	return lines
}

func inumTokens(v *int64) string {
	if v == nil {
		return dash
	}
	return thousands(*v) + " tokens"
}

func modelsBody(v *view, w int) []string { return halves(detectorCard(v), llmCard(v), w) }

func modelsCompact(v *view) (level, string) {
	d, l := v.snap.AIModels.Detector, v.snap.AIModels.Nemotron
	lv := max(statusLevel(d.Status), statusLevel(l.Status))
	return lv, "det " + orDash(d.Status) + " · llm " + orDash(l.Status) + " " + slots(l)
}

// latencyLine is "Detector  avg 45 ms  p95 82 ms  p99 120 ms  (n=409, 5m)".
func latencyLine(v *view, label string, l *snapshot.Latency, metric string) string {
	head := v.st.Muted.Render(fit(label, 10))
	if l == nil {
		return head + dash
	}
	p95 := "p95 " + ms(l.P95)
	if metric != "" {
		p95 = v.st.Level[v.alertLevel(metric, "")].Render(p95)
	}
	s := "avg " + ms(l.Avg) + "  " + p95
	if l.P99 != nil {
		s += "  p99 " + ms(l.P99)
	}
	var meta []string
	if l.Samples != nil {
		meta = append(meta, "n="+thousands(*l.Samples))
	}
	if l.Window != "" {
		meta = append(meta, l.Window)
	}
	if len(meta) > 0 {
		s += v.st.Muted.Render(" (" + strings.Join(meta, ", ") + ")")
	}
	if l.Source != "" {
		s += v.st.Muted.Render("  via " + viaName(l.Source))
	}
	return head + s
}

func inferenceBody(v *view, w int) []string {
	in := v.snap.Inference
	lines := []string{
		latencyLine(v, "Detector", in.DetectorLatency, "rtdetr_latency_p95"),
		latencyLine(v, "LLM", in.LLMLatency, "nemotron_latency_p95"),
		latencyLine(v, "Pipeline", in.PipelineLatency, ""),
	}
	tp := v.st.Muted.Render(fit("Through", 10)) + dash
	if t := in.Throughput; t != nil {
		tp = v.st.Muted.Render(fit("Through", 10)) + fnum(t.ImagesPerMin, 1) + " img/min · " + fnum(t.EventsPerMin, 1) + " events/min"
		if t.Source != "" {
			tp += v.st.Muted.Render("  via " + viaName(t.Source))
		}
	}
	q := v.st.Muted.Render(fit("Queues", 10)) + dash
	if qs := in.Queues; qs != nil {
		q = v.st.Muted.Render(fit("Queues", 10)) + "detection " + inum(qs.Detection) + " · analysis " + inum(qs.Analysis)
		if qs.Source != "" {
			q += v.st.Muted.Render("  via " + viaName(qs.Source))
		}
	}
	lines = append(lines, tp, q)
	for _, part := range []struct {
		key   snapshot.Part
		label string
	}{
		{snapshot.PartDetect, "detector"}, {snapshot.PartAnalyze, "llm"}, {snapshot.PartPipeline, "pipeline"},
		{snapshot.PartThroughput, "throughput"}, {snapshot.PartQueues, "queues"},
	} {
		if e := in.Errors[part.key]; e != "" {
			lines = append(lines, v.st.Level[lvWarn].Render(glyphs[lvWarn]+" "+part.label+": "+e))
		}
	}
	var tpImg *float64
	if in.Throughput != nil {
		tpImg = in.Throughput.ImagesPerMin
	}
	lines = append(lines, v.chartGrid(w, []chartSpec{
		{"det95", msShort(latP95(in.DetectorLatency)), history.KeyDetectP95, 0, " ms"},
		{"llm95", msShort(latP95(in.LLMLatency)), history.KeyAnalyzeP95, 0, " ms"},
		{"img/m", fnum(tpImg, 1), history.KeyImagesPerMin, 0, ""},
	})...)
	return lines
}

func latP95(l *snapshot.Latency) *float64 {
	if l == nil {
		return nil
	}
	return l.P95
}

// msShort is a latency without the space, for chart labels: "82ms".
func msShort(v *float64) string {
	if v == nil {
		return dash
	}
	return strconv.FormatFloat(*v, 'f', 0, 64) + "ms"
}

func inferenceCompact(v *view) (level, string) {
	in := v.snap.Inference
	lv := max(v.alertLevel("rtdetr_latency_p95", ""), v.alertLevel("nemotron_latency_p95", ""))
	if in.DetectorLatency == nil && in.LLMLatency == nil && in.Queues == nil {
		lv = max(lv, lvUnknown)
	}
	s := "det p95 " + ms(latP95(in.DetectorLatency)) + " · llm p95 " + ms(latP95(in.LLMLatency))
	if q := in.Queues; q != nil {
		s += " · q " + inum(q.Detection) + "/" + inum(q.Analysis)
	}
	return lv, s
}
