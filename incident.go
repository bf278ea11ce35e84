package main

import (
	"fmt"
	"path/filepath"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/internal/fullscreen"
	"github.com/hsi-top/hsi-top/record"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/tui"
)

// incidentKey is the live dashboard's key that writes an incident bundle.
const incidentKey = "i"

// incidentSpan is how much of the history a bundle holds.
const incidentSpan = time.Hour

// incidentShown is how long the header names the bundle written.
const incidentShown = 15 * time.Second

// incidents writes incident bundles: the last hour of the history's kept snapshots (5 s
// apart for the last 5 minutes, 15 s for the 10 before, 60 s for the rest; the alert log
// on each line where it changed) to
// hsi-top-incident-YYYYMMDD-HHMMSS.ndjson.gz in dir, which --replay plays.
type incidents struct {
	store  *history.Store
	latest func() *snapshot.Snapshot
	dir    string
	now    func() time.Time

	mu      sync.Mutex
	message string
	at      time.Time
}

// write writes one bundle and returns what the header says about it.
func (in *incidents) write() string {
	saved := in.store.Save().Snapshots // every kept snapshot, oldest first
	if len(saved) == 0 {
		return "incident: nothing collected yet"
	}
	end := saved[len(saved)-1].Timestamp.Time
	from := 0
	for from < len(saved) && saved[from].Timestamp.Before(end.Add(-incidentSpan)) {
		from++
	}
	name := filepath.Join(in.dir, "hsi-top-incident-"+in.now().Format("20060102-150405")+".ndjson.gz")
	if err := record.WriteFile(name, saved[from:]); err != nil {
		return "incident: " + err.Error()
	}
	return fmt.Sprintf("incident saved: %s (%d snapshots; hsi-top --replay it)", name, len(saved)-from)
}

// Badge is the header's note on the last bundle, for incidentShown after it was written.
func (in *incidents) Badge() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.message == "" || in.now().Sub(in.at) > incidentShown {
		return ""
	}
	return in.message
}

// incidentKeys wraps the dashboard: the incident key writes a bundle off the UI
// goroutine (a command), and the header names it once written.
type incidentKeys struct {
	tea.Model
	in *incidents
}

type incidentWritten struct{ message string }

// Frame is the dashboard's frame (fullscreen.FrameSource).
func (k incidentKeys) Frame() []byte { return fullscreen.FrameOf(k.Model) }

func (k incidentKeys) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if msg.String() == incidentKey {
			return k, func() tea.Msg { return incidentWritten{k.in.write()} }
		}
	case incidentWritten:
		k.in.mu.Lock()
		k.in.message, k.in.at = msg.message, k.in.now()
		k.in.mu.Unlock()
		// The header is drawn again on a snapshot: offer the latest again to show the note.
		if s := k.in.latest(); s != nil {
			k.Model, _ = k.Model.Update(tui.SnapshotMsg{Snapshot: s})
		}
		return k, nil
	}
	var cmd tea.Cmd
	k.Model, cmd = k.Model.Update(msg)
	return k, cmd
}
