package steps

import "charm.land/bubbles/v2/key"

// keyMap is every key the dashboard answers. It implements help.KeyMap, so
// the help line at the bottom is generated from the same bindings.
type keyMap struct {
	Quit key.Binding
	Logs key.Binding
	Help key.Binding
}

func defaultKeys() keyMap {
	return keyMap{
		Quit: key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Logs: key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "more logs")),
		Help: key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
	}
}

// ShortHelp is the one-line help under the view.
func (k keyMap) ShortHelp() []key.Binding { return []key.Binding{k.Quit, k.Logs, k.Help} }

// FullHelp is the expanded help that ? toggles.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Quit}, {k.Logs, k.Help}}
}
