package form

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
)

// Each question's frame at 80 columns with the ASCII profile.
func TestView_golden(t *testing.T) {
	size := tea.WindowSizeMsg{Width: 80, Height: 24}
	steps := map[string][]tea.Msg{
		"name":     {size, keys("shop")},
		"template": {size, keys("shop"), enter, down},
		"install":  {size, keys("shop"), enter, enter},
		"git":      {size, keys("shop"), enter, enter, keys("n")},
		"done":     {size, keys("shop"), enter, enter, keys("n"), keys("y")},
	}
	for name, msgs := range steps {
		t.Run(name, func(t *testing.T) {
			m, _ := send(New(testOptions()), msgs...)
			golden.RequireEqual(t, []byte(m.View().Content))
		})
	}
}

func TestView_longErrorWraps(t *testing.T) {
	opts := testOptions()
	opts.ValidateName = func(string) error {
		return &longErr{}
	}
	m, _ := send(New(opts), tea.WindowSizeMsg{Width: 40, Height: 24}, enter)
	for _, line := range strings.Split(m.View().Content, "\n") {
		if len([]rune(line)) > 40 {
			t.Errorf("line wider than 40 columns: %q", line)
		}
	}
}

type longErr struct{}

func (*longErr) Error() string {
	return "invalid app name: use lowercase letters, digits and dashes, at most 63, not starting or ending with a dash"
}
