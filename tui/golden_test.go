package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

var goldenSizes = [][2]int{{200, 60}, {160, 48}, {120, 40}, {80, 24}, {60, 20}, {40, 10}}

// TestGolden compares View() with testdata/golden for every scenario at six sizes,
// replayed from a fixed sequence of snapshots with a fixed clock and no colour.
func TestGolden(t *testing.T) {
	for sc := range scenario(len(scenarioNames)) {
		for _, sz := range goldenSizes {
			name := fmt.Sprintf("%s_%dx%d", sc, sz[0], sz[1])
			t.Run(name, func(t *testing.T) {
				m, _, _, _ := newTestModel(sc, ticks, sz[0], sz[1])
				got := m.View()
				m.Close()
				assertFits(t, got, sz[0], sz[1])
				if strings.Contains(got, "\x1b") {
					t.Fatalf("the ASCII profile drew escape sequences")
				}
				path := filepath.Join("testdata", "golden", name+".golden")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./tui -run TestGolden -update)", err)
				}
				if got != string(want) {
					t.Errorf("View() differs from %s (rerun with -update after checking):\n--- got\n%s\n--- want\n%s", path, got, want)
				}
			})
		}
	}
}

// assertFits fails when the frame is taller or wider than the terminal.
func assertFits(t *testing.T, frame string, w, h int) {
	t.Helper()
	if frame == "" {
		return
	}
	lines := strings.Split(frame, "\n")
	if len(lines) > h {
		t.Fatalf("%d lines on a %d-line terminal", len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Fatalf("line %d is %d cells on a %d-cell terminal: %q", i, lw, w, l)
		}
	}
}
