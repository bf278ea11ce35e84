package tui

import (
	"strconv"
	"strings"

	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
)

// selectedGPU returns the GPU that `g` selected, wrapping when devices disappear.
func (v *view) selectedGPU() (snapshot.GPU, bool) {
	if len(v.snap.GPUs) == 0 {
		return snapshot.GPU{}, false
	}
	return v.snap.GPUs[v.gpuSlot()], true
}

func gpuVia(v *view) string {
	if g, ok := v.selectedGPU(); ok && g.Source != "" {
		return g.Source
	}
	return v.snap.GPUStatus.Source
}

// gpuSlot is the selected position in snap.GPUs (0 when there are none).
func (v *view) gpuSlot() int {
	n := len(v.snap.GPUs)
	if n == 0 {
		return 0
	}
	return ((v.gpu % n) + n) % n
}

func gpuLevel(v *view, g snapshot.GPU) level {
	obj := snapshot.GPUObject(g.Index)
	lv := max(v.valueLevel("gpu_utilization", obj, g.Utilization), v.valueLevel("gpu_temperature", obj, g.Temperature),
		v.valueLevel("gpu_vram", obj, g.VRAMPercent), v.valueLevel("gpu_power", obj, g.PowerWatts))
	if throttleText(g.ThrottleReasons) != "" { // idle clocks are not a problem
		lv = max(lv, lvWarn)
	}
	return lv
}

// gpuPanelLevel is the worst GPU's level; a warning when the source runs but reads no
// GPU (no driver), unknown without any GPU source.
func gpuPanelLevel(v *view) level {
	if len(v.snap.GPUs) == 0 {
		if v.snap.GPUStatus.Error != "" {
			return lvWarn
		}
		return lvUnknown
	}
	lv := lvOK
	for _, g := range v.snap.GPUs {
		lv = max(lv, gpuLevel(v, g))
	}
	return lv
}

// gpuWord is the GPU panel's state word: the device problem when no GPU is readable
// ("driver not found", the footer's word), else the level's word.
func gpuWord(v *view) string {
	if len(v.snap.GPUs) == 0 {
		if e := v.snap.GPUStatus.Error; e != "" {
			return gpuProblemWord(e)
		}
		return "no GPU"
	}
	return stateWords[gpuPanelLevel(v)]
}

// gpuCols are the device table's columns: name, util, memory, temp, power, SM clock, P-state.
var gpuCols = [...]int{0, 5, 21, 6, 12, 10, 4}

// gpuHeader is the device table's column titles, aligned with gpuRow.
func gpuHeader(v *view, nameW int) string {
	c := gpuCols
	return v.st.Muted.Render("  " + fit("GPU", nameW) + lpad("util", c[1]) + lpad("memory used/total", c[2]) + lpad("temp", c[3]) +
		lpad("power/limit", c[4]) + lpad("SM clock", c[5]) + lpad("P", c[6]))
}

// lpad right-aligns s in n cells.
func lpad(s string, n int) string {
	w := width(s)
	if w >= n {
		return s
	}
	return strings.Repeat(" ", n-w) + s
}

// gpuRow is one device's aligned numbers, each coloured by its level.
func gpuRow(v *view, g snapshot.GPU, selected bool, nameW int) string {
	mark := "  "
	if selected {
		mark = v.st.Accent.Render("▸ ")
	}
	obj := snapshot.GPUObject(g.Index)
	val := func(metric string, x *float64, s string, n int) string {
		return v.st.Level[v.valueLevel(metric, obj, x)].Render(lpad(s, n))
	}
	c := gpuCols
	mem := fnum(snapshot.InGiB(g.MemoryUsedBytes), 1) + "/" + fnum(snapshot.InGiB(g.MemoryTotalBytes), 1) + " GiB " + lpad(fnum(g.VRAMPercent, 0)+"%", 4)
	power := fnum(g.PowerWatts, 0) + "/" + fnum(g.PowerLimitWatts, 0) + " W"
	clock := dash
	if g.SMClockMHz != nil {
		clock = fthousands(g.SMClockMHz) + " MHz"
	}
	pstate := dash
	if g.PerformanceState != nil {
		pstate = "P" + strconv.Itoa(*g.PerformanceState)
	}
	name := strconv.Itoa(g.Index) + " " + shortGPUName(g.Name)
	return mark + v.st.Bold.Render(fit(name, nameW)) + val("gpu_utilization", g.Utilization, fnum(g.Utilization, 0)+"%", c[1]) +
		val("gpu_vram", g.VRAMPercent, mem, c[2]) + val("gpu_temperature", g.Temperature, fnum(g.Temperature, 0)+"°C", c[3]) +
		val("gpu_power", g.PowerWatts, power, c[4]) + lpad(clock, c[5]) + lpad(pstate, c[6])
}

// shortGPUName drops the vendor: "NVIDIA RTX A5500" → "RTX A5500".
func shortGPUName(n string) string {
	return orDash(strings.TrimPrefix(strings.TrimPrefix(n, "NVIDIA "), "GeForce "))
}

// throttleWords spells NVML's throttle reasons for an operator.
var throttleWords = map[string]string{
	"gpu_idle": "idle", "applications_clocks_setting": "app clocks", "sw_power_cap": "power cap",
	"hw_slowdown": "hardware slowdown", "sync_boost": "sync boost", "sw_thermal_slowdown": "thermal (software)",
	"hw_thermal_slowdown": "thermal (hardware)", "hw_power_brake_slowdown": "power brake", "display_clock_setting": "display clocks",
}

func throttleText(reasons []string) string {
	words := make([]string, 0, len(reasons))
	for _, r := range reasons {
		if r == "gpu_idle" {
			continue // idle clocks are not a problem
		}
		if w, ok := throttleWords[r]; ok {
			r = w
		}
		words = append(words, strings.ReplaceAll(r, "_", " "))
	}
	return strings.Join(words, ", ")
}

func gpuNameWidth(gs []snapshot.GPU) int {
	n := 8
	for _, g := range gs {
		n = max(n, min(22, width(shortGPUName(g.Name))+3))
	}
	return n
}

func gpuBody(v *view, w int) content {
	s := v.snap
	g, ok := v.selectedGPU()
	if !ok {
		why := s.GPUStatus.Error
		if why == "" {
			why = "no GPU source answered (is gpu.enabled off?)"
		}
		msg := v.st.state(gpuPanelLevel(v), "no GPU readings: "+why)
		return content{lines: []string{msg}, dense: []string{msg}}
	}
	nameW := gpuNameWidth(s.GPUs)
	lines := []string{gpuHeader(v, nameW)}
	var dense []string
	sel := v.gpuSlot()
	for i, d := range s.GPUs {
		row := gpuRow(v, d, len(s.GPUs) > 1 && i == sel, nameW)
		lines = append(lines, row)
		dense = append(dense, row)
		if t := clockEventsText(d); t != "" {
			lines = append(lines, "    "+v.st.Level[lvWarn].Render(glyphs[lvWarn]+" GPU"+strconv.Itoa(d.Index)+" throttled: "+t))
		}
	}
	lines = append(lines, vramLine(v, g))
	lines = append(lines, gpuDepthLines(v, g)...) // issue 14: panel_gpu_depth.go
	if w >= 150 {
		// Always a line, so that g (another GPU, maybe without processes) keeps the height.
		p := processLine(g)
		if p == "" {
			p = v.st.Muted.Render("none")
		}
		lines = append(lines, v.st.Muted.Render("Processes GPU"+strconv.Itoa(g.Index)+" ")+p)
	}
	if s.GPUStatus.Error != "" {
		lines = append(lines, v.st.Level[lvWarn].Render(glyphs[lvWarn]+" "+s.GPUStatus.Error))
	}
	key := func(metric string) string { return history.GPUKey(g.Index, metric) }
	name := ""
	if len(s.GPUs) > 1 {
		name = strconv.Itoa(g.Index)
	}
	powerScale := autoScale(100)
	if g.PowerLimitWatts != nil {
		powerScale = fixedScale(*g.PowerLimitWatts)
	}
	charts := []chartSpec{
		{label: "util" + name, value: fnum(g.Utilization, 0) + "%", key: key(history.GPUUtilization), scale: fixedScale(100), unit: "%", level: v.levelFn("gpu_utilization")},
		{label: "vram" + name, value: fnum(g.VRAMPercent, 0) + "%", key: key(history.GPUVRAMPercent), scale: fixedScale(100), unit: "%", level: v.levelFn("gpu_vram")},
		{label: "temp" + name, value: fnum(g.Temperature, 0) + "°C", key: key(history.GPUTemperature), scale: fixedScale(100), unit: "°C", level: v.levelFn("gpu_temperature")},
		{label: "power" + name, value: fnum(g.PowerWatts, 0) + " W", key: key(history.GPUPower), scale: powerScale, unit: " W", level: v.levelFn("gpu_power")},
	}
	return content{lines: lines, dense: dense, charts: charts}
}

// vramLine is who holds the selected GPU's memory: "VRAM GPU0  ai-llm 21.0 GiB · … · free 2.5 GiB".
func vramLine(v *view, g snapshot.GPU) string {
	head := v.st.Muted.Render("VRAM GPU" + strconv.Itoa(g.Index) + "  ")
	if g.Services == nil {
		note := "by service " + dash
		if v.snap.GPUStatus.ProcessNote != "" {
			note += " (" + v.snap.GPUStatus.ProcessNote + ")"
		}
		return head + v.st.Muted.Render(note)
	}
	parts := make([]string, 0, len(g.Services)+1)
	for _, sv := range g.Services {
		parts = append(parts, sv.Service+" "+bytesHuman(float64(sv.UsedBytes)))
	}
	switch {
	case g.MemoryFreeBytes != nil:
		parts = append(parts, v.st.Level[lvOK].Render("free "+bytesHuman(float64(*g.MemoryFreeBytes))))
	case g.MemoryUsedBytes != nil && g.MemoryTotalBytes != nil && *g.MemoryTotalBytes >= *g.MemoryUsedBytes:
		parts = append(parts, v.st.Level[lvOK].Render("free "+bytesHuman(float64(*g.MemoryTotalBytes-*g.MemoryUsedBytes))))
	}
	return head + v.join(" · ", parts...)
}

// processLine lists the processes holding GPU memory: "1234 ai-llm 21.0 GiB · …".
func processLine(g snapshot.GPU) string {
	parts := make([]string, 0, len(g.Processes))
	for _, p := range g.Processes {
		mem := dash
		if p.UsedBytes != nil {
			mem = bytesHuman(float64(*p.UsedBytes))
		}
		parts = append(parts, strconv.FormatUint(uint64(p.PID), 10)+" "+orDash(p.Service)+" "+mem)
	}
	return strings.Join(parts, " · ")
}

func gpuCompact(v *view) (level, string) {
	g, ok := v.selectedGPU()
	if !ok {
		return lvUnknown, "no GPU: " + orDash(v.snap.GPUStatus.Error)
	}
	return gpuLevel(v, g), fnum(g.Utilization, 0) + "% " + fnum(snapshot.InGiB(g.MemoryUsedBytes), 1) + "/" + fnum(snapshot.InGiB(g.MemoryTotalBytes), 1) + "G " +
		fnum(g.Temperature, 0) + "°C " + fnum(g.PowerWatts, 0) + "W"
}
