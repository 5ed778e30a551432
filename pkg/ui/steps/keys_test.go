package steps

import (
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

func TestKeysMatch(t *testing.T) {
	k := defaultKeys()
	tests := []struct {
		msg  tea.KeyPressMsg
		want key.Binding
	}{
		{tea.KeyPressMsg{Code: 'q', Text: "q"}, k.Quit},
		{tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}, k.Quit},
		{tea.KeyPressMsg{Code: 'l', Text: "l"}, k.Logs},
		{tea.KeyPressMsg{Code: '?', Text: "?"}, k.Help},
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
