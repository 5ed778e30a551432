package dev

import "charm.land/bubbles/v2/key"

// keyMap is every key the dev dashboard answers. It implements
// help.KeyMap, so the help line is generated from the same bindings.
type keyMap struct {
	Open    key.Binding
	Rebuild key.Binding
	Clear   key.Binding
	Logs    key.Binding
	Quit    key.Binding
	Help    key.Binding
}

func defaultKeys() keyMap {
	return keyMap{
		Open:    key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "open browser")),
		Rebuild: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rebuild")),
		Clear:   key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "clear")),
		Logs:    key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "logs")),
		Quit:    key.NewBinding(key.WithKeys("x", "q", "ctrl+c"), key.WithHelp("x", "exit")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
	}
}

// ShortHelp is the one-line help at the bottom.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Rebuild, k.Clear, k.Logs, k.Quit, k.Help}
}

// FullHelp is what ? expands to.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Open, k.Rebuild}, {k.Clear, k.Logs}, {k.Quit, k.Help}}
}
