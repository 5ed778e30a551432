package form

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

func testOptions() Options {
	return Options{
		Defaults: Answers{Name: "valet-app", Template: "container-app", Install: true, Git: true},
		Templates: []Choice{
			{Name: "container-app", Description: "React frontend, worker, Durable Object and a container backend", Install: true},
			{Name: "worker", Description: "A TypeScript worker with a few routes", Install: true},
			{Name: "assets", Description: "A static site: HTML and CSS, no worker"},
		},
		ValidateName: func(s string) error {
			if strings.ToLower(s) != s {
				return errors.New("invalid app name: use lowercase letters")
			}
			return nil
		},
	}
}

// keys is text typed at once: one key per rune, as a terminal sends it,
// or several runes in one message when they were read together.
func keys(s string) tea.KeyPressMsg { return tea.KeyPressMsg{Code: []rune(s)[0], Text: s} }

var (
	enter = tea.KeyPressMsg{Code: tea.KeyEnter}
	down  = tea.KeyPressMsg{Code: tea.KeyDown}
	up    = tea.KeyPressMsg{Code: tea.KeyUp}
	esc   = tea.KeyPressMsg{Code: tea.KeyEscape}
	ctrlC = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	ctrlD = tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl}
	tab   = tea.KeyPressMsg{Code: tea.KeyTab}
)

// send feeds msgs to m through Update, as the program would, and returns
// the model and the last command.
func send(m Model, msgs ...tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	for _, msg := range msgs {
		var next tea.Model
		next, cmd = m.Update(msg)
		m = next.(Model)
	}
	return m, cmd
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestUpdate_defaults(t *testing.T) {
	m, cmd := send(New(testOptions()), enter, enter, enter, enter)
	if !m.Done() || !isQuit(cmd) {
		t.Fatalf("done %v, quit %v", m.Done(), isQuit(cmd))
	}
	want := Answers{Name: "valet-app", Template: "container-app", Install: true, Git: true}
	if got := m.Answers(); got != want {
		t.Errorf("answers %+v, want %+v", got, want)
	}
}

func TestUpdate_choices(t *testing.T) {
	m, cmd := send(New(testOptions()), keys("shop"), enter, down, enter, keys("n"), tab, enter)
	if !m.Done() || !isQuit(cmd) {
		t.Fatalf("not done after answering everything: step %d", m.step)
	}
	want := Answers{Name: "shop", Template: "worker", Install: false, Git: false}
	if got := m.Answers(); got != want {
		t.Errorf("answers %+v, want %+v", got, want)
	}
}

func TestUpdate_templateWithoutDependenciesSkipsInstall(t *testing.T) {
	m, _ := send(New(testOptions()), enter, up, enter)
	if m.step != stepGit {
		t.Fatalf("step %d after choosing assets, want the git question", m.step)
	}
	m, _ = send(m, keys("y"))
	want := Answers{Name: "valet-app", Template: "assets", Install: false, Git: true}
	if got := m.Answers(); !m.Done() || got != want {
		t.Errorf("done %v, answers %+v, want %+v", m.Done(), got, want)
	}
}

func TestUpdate_invalidNameStays(t *testing.T) {
	m, cmd := send(New(testOptions()), keys("Shop"), enter)
	if m.step != stepName || m.nameErr == nil || cmd != nil {
		t.Fatalf("step %d, err %v: an invalid name was accepted", m.step, m.nameErr)
	}
	if !strings.Contains(m.View().Content, "invalid app name") {
		t.Errorf("view does not show the error:\n%s", m.View().Content)
	}
	m, _ = send(m, tea.KeyPressMsg{Code: tea.KeyBackspace})
	if m.nameErr != nil {
		t.Error("error kept after editing the name")
	}
}

func TestUpdate_cancel(t *testing.T) {
	for name, k := range map[string]tea.KeyPressMsg{"esc": esc, "ctrl+c": ctrlC, "ctrl+d": ctrlD} {
		t.Run(name, func(t *testing.T) {
			m, cmd := send(New(testOptions()), keys("shop"), enter, k)
			if !m.Cancelled() || !isQuit(cmd) || m.Done() {
				t.Errorf("cancelled %v, quit %v, done %v", m.Cancelled(), isQuit(cmd), m.Done())
			}
			if !strings.Contains(m.View().Content, "Cancelled") {
				t.Errorf("view:\n%s", m.View().Content)
			}
		})
	}
}

func TestUpdate_templateCursorWraps(t *testing.T) {
	m, _ := send(New(testOptions()), enter, up)
	if got := m.opts.Templates[m.cursor].Name; got != "assets" {
		t.Errorf("up from the first template lands on %q", got)
	}
	m, _ = send(m, down, keys("j"))
	if got := m.opts.Templates[m.cursor].Name; got != "worker" {
		t.Errorf("cursor on %q, want worker", got)
	}
}

func TestNew_preselectsDefaultTemplate(t *testing.T) {
	opts := testOptions()
	opts.Defaults.Template = "assets"
	m, _ := send(New(opts), enter, enter)
	if got := m.Answers().Template; got != "assets" {
		t.Errorf("template %q, want the default assets", got)
	}
}

func TestUpdate_ignoresInputOnceDone(t *testing.T) {
	m, _ := send(New(testOptions()), enter, enter, enter, enter)
	m, cmd := send(m, ctrlD, esc, keys("n"))
	if !m.Done() || m.Cancelled() || cmd != nil {
		t.Errorf("done %v, cancelled %v after input following the last answer", m.Done(), m.Cancelled())
	}
}

func TestUpdate_runesTogetherAreSeparateAnswers(t *testing.T) {
	m, cmd := send(New(testOptions()), enter, enter, keys("ny"))
	want := Answers{Name: "valet-app", Template: "container-app", Install: false, Git: true}
	if got := m.Answers(); !m.Done() || !isQuit(cmd) || got != want {
		t.Errorf("done %v, answers %+v, want %+v", m.Done(), got, want)
	}
}
