package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every binding; bubbles/help lists them in the footer and the help overlay.
type keyMap struct {
	Range5m, Range15m, Range60m, CycleRange key.Binding
	Pause, NextGPU, Refresh                 key.Binding
	Up, Down, PageUp, PageDown, Home, End   key.Binding
	Alerts, Help, Quit                      key.Binding
	// Snooze, Ack and Unsnooze act on the alert selected in the alert log.
	Snooze, Ack, Unsnooze key.Binding
}

func defaultKeys() keyMap {
	return keyMap{
		Range5m:    key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "5m")),
		Range15m:   key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "15m")),
		Range60m:   key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "60m")),
		CycleRange: key.NewBinding(key.WithKeys("t", "tab"), key.WithHelp("t/tab", "next range")),
		Pause:      key.NewBinding(key.WithKeys("p", " "), key.WithHelp("p/space", "pause")),
		NextGPU:    key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "next GPU")),
		Refresh:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "collect now")),
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:     key.NewBinding(key.WithKeys("pgup"), key.WithHelp("PgUp", "page up")),
		PageDown:   key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("PgDn", "page down")),
		Home:       key.NewBinding(key.WithKeys("home"), key.WithHelp("Home", "top")),
		End:        key.NewBinding(key.WithKeys("end"), key.WithHelp("End", "bottom")),
		Alerts:     key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "alert log")),
		Snooze:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "snooze 15m/1h/4h/24h")),
		Ack:        key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "acknowledge")),
		Unsnooze:   key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "unsnooze")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp is the footer's one line.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.CycleRange, k.Pause, k.NextGPU, k.Refresh, k.Alerts, k.Help, k.Quit}
}

// FullHelp is the help overlay, one column per group.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Range5m, k.Range15m, k.Range60m, k.CycleRange},
		{k.Pause, k.NextGPU, k.Refresh, k.Alerts},
		{k.Snooze, k.Ack, k.Unsnooze},
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.Help, k.Quit},
	}
}
