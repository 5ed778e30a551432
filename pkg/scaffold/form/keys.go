package form

import "charm.land/bubbles/v2/key"

// keyMap holds the form's key bindings; it implements help.KeyMap for the
// help line, which shows the bindings of the current question only.
type keyMap struct {
	Up      key.Binding
	Down    key.Binding
	Yes     key.Binding
	No      key.Binding
	Toggle  key.Binding
	Confirm key.Binding
	Cancel  key.Binding

	step step
}

func newKeyMap() keyMap {
	return keyMap{
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Yes:     key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:      key.NewBinding(key.WithKeys("n", "N"), key.WithHelp("n", "no")),
		Toggle:  key.NewBinding(key.WithKeys("left", "right", "h", "l", "tab"), key.WithHelp("←/→", "toggle")),
		Confirm: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "confirm")),
		// ctrl+d is the end of input, as in a shell.
		Cancel: key.NewBinding(key.WithKeys("esc", "ctrl+c", "ctrl+d"), key.WithHelp("esc", "cancel")),
	}
}

// ShortHelp implements help.KeyMap.
func (k keyMap) ShortHelp() []key.Binding {
	switch k.step {
	case stepTemplate:
		return []key.Binding{k.Up, k.Down, k.Confirm, k.Cancel}
	case stepInstall, stepGit:
		return []key.Binding{k.Yes, k.No, k.Toggle, k.Confirm, k.Cancel}
	default:
		return []key.Binding{k.Confirm, k.Cancel}
	}
}

// FullHelp implements help.KeyMap.
func (k keyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }
