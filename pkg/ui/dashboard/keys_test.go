package dashboard

import (
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

func TestKeysMatch(t *testing.T) {
	k := defaultKeys()
	tests := []struct {
		msg  tea.KeyMsg
		want key.Binding
	}{
		{tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")}, k.Quit},
		{tea.KeyMsg{Type: tea.KeyCtrlC}, k.Quit},
		{tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("l")}, k.Logs},
		{tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("?")}, k.Help},
	}
	for _, tt := range tests {
		if !key.Matches(tt.msg, tt.want) {
			t.Errorf("%q does not match %v", tt.msg.String(), tt.want.Keys())
		}
	}
}

func TestHelpCoversEveryKey(t *testing.T) {
	k := defaultKeys()
	seen := map[string]bool{}
	for _, group := range k.FullHelp() {
		for _, b := range group {
			seen[b.Help().Key] = true
		}
	}
	for _, b := range k.ShortHelp() {
		if !seen[b.Help().Key] {
			t.Errorf("key %q is in the short help but not the full help", b.Help().Key)
		}
	}
}
