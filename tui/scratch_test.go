package tui

import (
	"fmt"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func sizeMsg(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

func TestScratch(t *testing.T) {
	for _, sc := range []scenario{scHealthy, scAlerts, scUnreachable} {
		for _, sz := range [][2]int{{200, 60}, {120, 40}, {60, 15}, {30, 8}} {
			m, _, _, _ := newTestModel(sc, ticks, sz[0], sz[1])
			fmt.Printf("==== %s %dx%d\n%s\n", sc, sz[0], sz[1], m.View())
		}
	}
}
