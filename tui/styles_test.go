package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"

	"github.com/hsi-top/hsi-top/snapshot"
)

// luminance is the WCAG relative luminance of "#RRGGBB".
func luminance(t *testing.T, hex string) float64 {
	t.Helper()
	v, err := strconv.ParseUint(hex[1:], 16, 32)
	if err != nil || len(hex) != 7 {
		t.Fatalf("colour %q", hex)
	}
	lin := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(v>>16&0xff) + 0.7152*lin(v>>8&0xff) + 0.0722*lin(v&0xff)
}

func contrast(a, b float64) float64 { return (max(a, b) + 0.05) / (min(a, b) + 0.05) }

// TestPaletteContrast: every text colour reads on a white (light theme) and a black or
// near-black (dark theme) background at WCAG AA's 4.5:1; borders, which carry no words,
// at 3:1 on light and 2:1 on dark.
func TestPaletteContrast(t *testing.T) {
	text := map[string]lipgloss.AdaptiveColor{"ok": colOK, "warn": colWarn, "crit": colCrit, "muted": colMuted, "accent": colAccent, "chart": colChart, "title": colTitle}
	for _, bg := range []string{"#FFFFFF", "#FDF6E3"} {
		for name, c := range text {
			if r := contrast(luminance(t, c.Light), luminance(t, bg)); r < 4.5 {
				t.Errorf("light theme %s %s on %s: contrast %.2f < 4.5", name, c.Light, bg, r)
			}
		}
		if r := contrast(luminance(t, colBorder.Light), luminance(t, bg)); r < 3 {
			t.Errorf("light theme border %s on %s: contrast %.2f < 3", colBorder.Light, bg, r)
		}
	}
	for _, bg := range []string{"#000000", "#1E1E2E"} {
		for name, c := range text {
			if r := contrast(luminance(t, c.Dark), luminance(t, bg)); r < 4.5 {
				t.Errorf("dark theme %s %s on %s: contrast %.2f < 4.5", name, c.Dark, bg, r)
			}
		}
		if r := contrast(luminance(t, colBorder.Dark), luminance(t, bg)); r < 2 {
			t.Errorf("dark theme border %s on %s: contrast %.2f < 2", colBorder.Dark, bg, r)
		}
	}
}

// TestThemePicksPalette: the renderer's background decides the palette, so the light
// theme draws the light colours and the dark theme the dark ones.
func TestThemePicksPalette(t *testing.T) {
	for _, dark := range []bool{true, false} {
		r := trueColorRenderer()
		r.SetHasDarkBackground(dark)
		want := colOK.Dark
		if !dark {
			want = colOK.Light
		}
		seq := newStyles(r).Level[lvOK].Render("x")
		var got [3]int
		if _, err := fmt.Sscanf(seq, "\x1b[38;2;%d;%d;%dm", &got[0], &got[1], &got[2]); err != nil {
			t.Fatalf("dark=%v: %q: %v", dark, seq, err)
		}
		v, _ := strconv.ParseUint(want[1:], 16, 32)
		for k, c := range []int{int(v >> 16 & 0xff), int(v >> 8 & 0xff), int(v & 0xff)} {
			if d := got[k] - c; d < -2 || d > 2 {
				t.Errorf("dark=%v: drew %v, want %s", dark, got, want)
			}
		}
	}
}

// TestColourByValue: a value past its rule's level is drawn in the level's colour before
// any alert fires (none is active here), and the load is judged per core.
func TestColourByValue(t *testing.T) {
	s := build(scHealthy, 5)
	s.Host.CPUPercent = snapshot.F(96)
	s.Host.CPUCount, s.Host.Load = 2, []float64{8.97, 4, 2}
	s.Alerts = nil
	m := New(Options{Engine: newFakeEngine(), Renderer: trueColorRenderer()})
	defer m.Close()
	m.Update(sizeMsg(120, 40))
	m.Update(SnapshotMsg{s})
	f := m.View()
	crit := "\x1b[1;38;2;255;110;46m" // colCrit.Dark, bold
	for _, want := range []string{crit + "  96.0%", crit + "load 8.97 on 2 cores"} {
		if !strings.Contains(f, want) {
			t.Errorf("not drawn in the critical colour: %q", strings.TrimPrefix(want, crit))
		}
	}
	if strings.Contains(f, "CRIT  ") {
		t.Fatal("an alert was drawn although none is active")
	}
}
