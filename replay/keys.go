package replay

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/hsi-top/hsi-top/internal/fullscreen"
	"github.com/hsi-top/hsi-top/tui"
)

// Keys wraps the dashboard's model with the playback's keys: p and space pause the
// playback as well as the screen; ← and → seek a minute, [ and ] ten minutes, of the
// recording's time. Every other message goes to the dashboard as it is.
type Keys struct {
	tea.Model
	Player *Player
}

// Seek steps of the keys.
const (
	SeekShort = time.Minute
	SeekLong  = 10 * time.Minute
)

// HelpKeys are the playback's keys as the dashboard's help lists them.
var HelpKeys = []tui.HelpKey{{Key: "← →", Does: "seek 1 minute"}, {Key: "[ ]", Does: "seek 10 minutes"}}

// Frame is the dashboard's frame (fullscreen.FrameSource).
func (k Keys) Frame() []byte { return fullscreen.FrameOf(k.Model) }

// Update handles the playback's keys, then the dashboard's.
func (k Keys) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if km, ok := msg.(tea.KeyMsg); ok {
		switch km.String() {
		case "p", " ":
			k.Player.TogglePause()
		case "left":
			return k.seek(-SeekShort), nil
		case "right":
			return k.seek(SeekShort), nil
		case "[":
			return k.seek(-SeekLong), nil
		case "]":
			return k.seek(SeekLong), nil
		}
	}
	var cmd tea.Cmd
	k.Model, cmd = k.Model.Update(msg)
	return k, cmd
}

// seek moves the playback and puts its snapshot on screen at once, paused or not (the
// dashboard keeps a paused screen frozen, so it is resumed and paused again around it).
func (k Keys) seek(d time.Duration) Keys {
	s := k.Player.Seek(d)
	k.Model, _ = k.Model.Update(tui.SnapshotMsg{Snapshot: s}) // its waiting command is already running
	if dash, ok := k.Model.(*tui.Model); ok && dash.Paused() {
		pause := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'p'}}
		k.Model, _ = k.Model.Update(pause)
		k.Model, _ = k.Model.Update(pause)
	}
	return k
}
