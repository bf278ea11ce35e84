package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// clockEventsText is the active throttle reasons with how long each has lasted
// ("power cap 1m05s, too hot (hardware slowdown) 12s"); idle is left out. Without clock
// events (an older snapshot) it falls back to the bare reasons.
func clockEventsText(g snapshot.GPU) string {
	if g.ClockEvents == nil {
		return throttleText(g.ThrottleReasons)
	}
	parts := make([]string, 0, len(g.ClockEvents))
	for _, e := range g.ClockEvents {
		if e.Reason == "gpu_idle" {
			continue
		}
		parts = append(parts, e.Words+" "+shortDuration(e.ActiveSeconds))
	}
	return strings.Join(parts, ", ")
}

// shortDuration is "12s", "1m05s", "2h03m".
func shortDuration(sec float64) string {
	d := time.Duration(sec * float64(time.Second)).Round(time.Second)
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m" + pad2(int(d%time.Minute/time.Second)) + "s"
	}
	return strconv.Itoa(int(d/time.Hour)) + "h" + pad2(int(d%time.Hour/time.Minute)) + "m"
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// gpuDepthLines are the selected GPU's limits and faults and its memory headroom:
// "Link GPU0  PCIe Gen4 x16 (max Gen4 x16) · ECC 0 corr 0 uncorr · Xid none · enc 0% dec 35%"
// and "Room GPU0  18.0 GiB free · one more detector instance (~1.5 GiB) fits".
func gpuDepthLines(v *view, g snapshot.GPU) []string {
	idx := strconv.Itoa(g.Index)
	var lines []string
	if g.PCIe == nil && g.ECC == nil && g.Xids == nil && g.EncoderUtilization == nil && g.DecoderUtilization == nil {
		lines = nil // nothing read (an older driver, another source): no line
	} else {
		lines = append(lines, linkLine(v, g, idx))
	}
	if l := g.VRAM; l != nil && len(l.Headroom) > 0 {
		lines = append(lines, v.st.Muted.Render("Room GPU"+idx+"  ")+strings.Join(l.Headroom, " · "))
	}
	return lines
}

func linkLine(v *view, g snapshot.GPU, idx string) string {
	parts := []string{pcieText(v, g.PCIe), eccText(v, g.ECC), xidText(v, g.Xids),
		"enc " + fnum(g.EncoderUtilization, 0) + "% dec " + fnum(g.DecoderUtilization, 0) + "%"}
	return v.st.Muted.Render("Link GPU"+idx+"  ") + v.join(" · ", parts...)
}

func pcieText(v *view, l *snapshot.PCIeLink) string {
	if l == nil {
		return "PCIe " + dash
	}
	s := "PCIe Gen" + ipp(l.Gen) + " x" + ipp(l.Width) + " (max Gen" + ipp(l.MaxGen) + " x" + ipp(l.MaxWidth) + ")"
	if l.Width != nil && l.MaxWidth != nil && *l.Width < *l.MaxWidth {
		return v.st.Level[lvWarn].Render(s + " narrowed")
	}
	return s
}

func eccText(v *view, e *snapshot.ECCErrors) string {
	if e == nil {
		return "ECC " + dash
	}
	s := "ECC " + upp(e.VolatileCorrected) + " corr " + upp(e.VolatileUncorrected) + " uncorr"
	if e.NewInWindow != nil && *e.NewInWindow > 0 {
		return v.st.Level[lvWarn].Render(s + " (+" + strconv.FormatUint(*e.NewInWindow, 10) + " in 10m)")
	}
	return s
}

// xidText is the newest Xid with its meaning, or none; – when Xid events are not read.
func xidText(v *view, xids []snapshot.XidEvent) string {
	switch {
	case xids == nil:
		return "Xid " + dash
	case len(xids) == 0:
		return "Xid none"
	}
	last := xids[len(xids)-1]
	s := "Xid " + strconv.FormatUint(last.Xid, 10)
	if last.Meaning != "" {
		s += " " + last.Meaning
	}
	s += " " + ago(v.now().Sub(last.At.Time)) + " ago"
	if len(xids) > 1 {
		s += " (" + strconv.Itoa(len(xids)) + " logged)"
	}
	return v.st.Level[lvCrit].Render(s)
}

func ipp(p *int) string {
	if p == nil {
		return dash
	}
	return strconv.Itoa(*p)
}

func upp(p *uint64) string {
	if p == nil {
		return dash
	}
	return strconv.FormatUint(*p, 10)
}
