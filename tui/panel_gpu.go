package tui

import (
	"strconv"

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
	lv := lvOK
	for _, m := range []string{"gpu_utilization", "gpu_temperature", "gpu_vram", "gpu_power"} {
		lv = max(lv, v.alertLevel(m, obj))
	}
	return lv
}

// gpuLine is the summary of one device: name, util, VRAM, temperature, power.
func gpuLine(v *view, g snapshot.GPU, selected bool) string {
	mark := "  "
	if selected {
		mark = v.st.Accent.Render("▸ ")
	}
	obj := snapshot.GPUObject(g.Index)
	val := func(metric, s string) string { return v.st.Level[v.alertLevel(metric, obj)].Render(s) }
	vram := fnum(snapshot.InGiB(g.MemoryUsedBytes), 1) + "/" + fnum(snapshot.InGiB(g.MemoryTotalBytes), 1) + " GiB"
	if g.VRAMPercent != nil {
		vram += " (" + pct(g.VRAMPercent) + ")"
	}
	return mark + v.st.Bold.Render("GPU"+strconv.Itoa(g.Index)+" "+orDash(g.Name)) + v.st.Muted.Render(" │ ") +
		v.join(" │ ",
			val("gpu_utilization", fnum(g.Utilization, 0)+"% util"),
			val("gpu_vram", vram),
			val("gpu_temperature", fnum(g.Temperature, 0)+"°C"),
			val("gpu_power", fnum(g.PowerWatts, 0)+" W"))
}

// chartCell is "label  value  ▁▂▃▅  max x" in w cells.
func (v *view) chartCell(label, value string, pts []Point, maxScale float64, unit string, w int) string {
	head := v.st.Muted.Render(fit(label, 6)) + fit(value, 8)
	tail := ""
	if m := rangeMax(pts); m != nil {
		tail = v.st.Muted.Render(" max " + strconv.FormatFloat(*m, 'f', 0, 64) + unit)
	}
	sw := w - width(head) - width(tail)
	if sw < 8 {
		tail = ""
		sw = w - width(head)
	}
	sw = min(sw, 60)
	return head + v.st.spark(pts, sw, maxScale) + tail
}

func gpuBody(v *view, w int) []string {
	s := v.snap
	g, ok := v.selectedGPU()
	if !ok {
		msg := "no GPU readings"
		if s.GPUStatus.Error != "" {
			msg += ": " + s.GPUStatus.Error
		}
		return []string{v.st.state(lvUnknown, msg)}
	}
	var lines []string
	sel := v.gpuSlot()
	for i, d := range s.GPUs {
		lines = append(lines, gpuLine(v, d, len(s.GPUs) > 1 && i == sel))
	}
	if len(s.GPUs) > 1 {
		lines = append(lines, v.st.Muted.Render("  charts: GPU"+strconv.Itoa(g.Index)+" (g: next GPU)"))
	}
	key := func(metric string) string { return history.GPUKey(g.Index, metric) }
	lines = append(lines, v.chartGrid(w, []chartSpec{
		{"util", fnum(g.Utilization, 0) + "%", key(history.GPUUtilization), 100, "%"},
		{"vram", pct(g.VRAMPercent), key(history.GPUVRAMPercent), 100, "%"},
		{"temp", fnum(g.Temperature, 0) + "°C", key(history.GPUTemperature), 0, "°C"},
		{"power", fnum(g.PowerWatts, 0) + " W", key(history.GPUPower), 0, " W"},
	})...)
	lines = append(lines, vramBreakdown(v, g, w)...)
	return lines
}

// chartSpec names one sparkline of a panel.
type chartSpec struct {
	label, value, key string
	scale             float64
	unit              string
}

// chartGrid lays the charts out two per line when there is room, else one per line.
func (v *view) chartGrid(w int, specs []chartSpec) []string {
	perLine := 1
	if w >= 70 {
		perLine = 2
	}
	if w >= 150 && len(specs) >= 3 {
		perLine = 3
	}
	cw := (w - 3*(perLine-1)) / perLine
	var lines []string
	for i := 0; i < len(specs); i += perLine {
		line := ""
		for j := i; j < min(i+perLine, len(specs)); j++ {
			sp := specs[j]
			cell := v.chartCell(sp.label, sp.value, v.points(sp.key), sp.scale, sp.unit, cw)
			if j > i {
				line += "   "
			}
			line += fit(cell, cw)
		}
		lines = append(lines, line)
	}
	return lines
}

// vramBreakdown lists which service holds how much of the selected GPU, and the headroom.
func vramBreakdown(v *view, g snapshot.GPU, w int) []string {
	if g.Services == nil {
		return []string{v.st.Muted.Render("VRAM by service: " + dash + " (per-process memory not available)")}
	}
	var total float64
	if g.MemoryTotalBytes != nil {
		total = float64(*g.MemoryTotalBytes)
	}
	barW := min(20, max(4, w-40))
	row := func(name string, b float64, lv level) string {
		var p *float64
		if total > 0 {
			p = snapshot.F(b / total * 100)
		}
		return "  " + fit(name, 16) + v.st.bar(p, barW, lv) + " " + fit(bytesHuman(b), 10) + " " + pct(snapshot.Round(p, 1))
	}
	lines := []string{v.st.Muted.Render("VRAM by service")}
	for _, sv := range g.Services {
		lines = append(lines, row(sv.Service, float64(sv.UsedBytes), lvInfo))
	}
	if g.MemoryFreeBytes != nil {
		lines = append(lines, row("free", float64(*g.MemoryFreeBytes), lvOK))
	} else if g.MemoryUsedBytes != nil && g.MemoryTotalBytes != nil && *g.MemoryTotalBytes >= *g.MemoryUsedBytes {
		lines = append(lines, row("free", float64(*g.MemoryTotalBytes-*g.MemoryUsedBytes), lvOK))
	}
	return lines
}

func gpuCompact(v *view) (level, string) {
	g, ok := v.selectedGPU()
	if !ok {
		return lvUnknown, "no GPU: " + orDash(v.snap.GPUStatus.Error)
	}
	return gpuLevel(v, g), fnum(g.Utilization, 0) + "% " + fnum(snapshot.InGiB(g.MemoryUsedBytes), 1) + "/" + fnum(snapshot.InGiB(g.MemoryTotalBytes), 1) + "G " +
		fnum(g.Temperature, 0) + "°C " + fnum(g.PowerWatts, 0) + "W"
}
