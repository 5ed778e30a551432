// Package form is valet init's interactive questions: the app's name, its
// template, and whether to run npm install and git init. It is a small
// bubbletea model; Run shows it on a terminal.
package form

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// Choice is a template the user can pick.
type Choice struct {
	Name        string
	Description string
	Install     bool // has npm dependencies: ask about npm install
}

// Answers are what the user chose.
type Answers struct {
	Name     string
	Template string
	Install  bool
	Git      bool
}

// Options set up the form: the choices and the defaults it starts from.
type Options struct {
	Defaults     Answers  // Name is the placeholder taken on an empty enter
	Templates    []Choice // at least one
	ValidateName func(string) error
	// Color styles the form; without it (NO_COLOR, tests) it is plain
	// text. With it, the form asks the terminal for its background to pick
	// light or dark colors, once it runs: never before.
	Color bool
}

type step int

const (
	stepName step = iota
	stepTemplate
	stepInstall
	stepGit
	stepDone
)

// Model is the form's state.
type Model struct {
	opts      Options
	step      step
	input     textinput.Model
	cursor    int // the highlighted template
	answers   Answers
	confirm   bool  // the highlighted answer of a yes/no question
	nameErr   error // why the typed name was refused
	cancelled bool
	width     int
	keys      keyMap
	help      help.Model
	styles    styles
	dark      bool // the terminal's background, dark until it says otherwise
}

// New returns the form at its first question.
func New(opts Options) Model {
	in := textinput.New()
	in.Prompt = "> "
	in.Placeholder = opts.Defaults.Name
	in.CharLimit = 63
	// The terminal's own cursor (View places it): no blink timer, so
	// frames depend on input alone, and no reverse video in the text.
	in.SetVirtualCursor(false)
	in.Focus()

	m := Model{opts: opts, input: in, answers: opts.Defaults, keys: newKeyMap(), help: help.New(), dark: true}
	m.restyle()
	for i, c := range opts.Templates {
		if c.Name == opts.Defaults.Template {
			m.cursor = i
		}
	}
	return m
}

// restyle applies the styles for the color setting and the background.
func (m *Model) restyle() {
	st := newStyles(m.opts.Color, m.dark)
	m.styles = st
	m.input.SetStyles(textinput.Styles{
		Focused: textinput.StyleState{Prompt: st.accent, Placeholder: st.faint},
		Blurred: textinput.StyleState{Prompt: st.accent, Placeholder: st.faint},
		Cursor:  textinput.CursorStyle{Shape: tea.CursorBlock},
	})
	m.help.Styles = help.Styles{ShortKey: st.faint, ShortDesc: st.faint, ShortSeparator: st.faint, Ellipsis: st.faint}
}

// Init asks for the terminal's background when the form has colors to
// pick; the answer, if one comes, restyles the form.
func (m Model) Init() tea.Cmd {
	if m.opts.Color {
		return tea.RequestBackgroundColor
	}
	return nil
}

// Answers returns what the user chose; complete once Done.
func (m Model) Answers() Answers { return m.answers }

// Done reports whether every question is answered.
func (m Model) Done() bool { return m.step == stepDone }

// Cancelled reports whether the user left the form with esc or ctrl+c.
func (m Model) Cancelled() bool { return m.cancelled }

// Update implements tea.Model.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m.step == stepDone || m.cancelled {
		// Keys typed ahead, or the input ending, must not undo the answers
		// while the program quits.
		return m, nil
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width = msg.Width
		m.help.SetWidth(msg.Width)
		return m, nil
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.restyle()
		return m, nil
	case tea.PasteMsg:
		if m.step == stepName {
			var cmd tea.Cmd
			m.input, cmd = m.input.Update(msg)
			m.nameErr = nil
			return m, cmd
		}
	case tea.KeyPressMsg:
		if runes := []rune(msg.Text); len(runes) > 1 && m.step != stepName {
			// Keys typed faster than they are read may arrive together
			// ("yn"); outside the text field each one is an answer of its own.
			return m.updateEach(runes)
		}
		if key.Matches(msg, m.keys.Cancel) {
			m.cancelled = true
			return m, tea.Quit
		}
		switch m.step {
		case stepName:
			return m.updateName(msg)
		case stepTemplate:
			return m.updateTemplate(msg)
		case stepInstall, stepGit:
			return m.updateConfirm(msg)
		}
	}
	return m, nil
}

func (m Model) updateEach(runes []rune) (tea.Model, tea.Cmd) {
	var model tea.Model = m
	var cmd tea.Cmd
	for _, r := range runes {
		model, cmd = model.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return model, cmd
}

func (m Model) updateName(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if !key.Matches(msg, m.keys.Confirm) {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		m.nameErr = nil
		return m, cmd
	}
	name := strings.TrimSpace(m.input.Value())
	if name == "" {
		name = m.opts.Defaults.Name
	}
	if m.opts.ValidateName != nil {
		if err := m.opts.ValidateName(name); err != nil {
			m.nameErr = err
			return m, nil
		}
	}
	m.answers.Name = name
	m.input.Blur()
	return m.advance()
}

func (m Model) updateTemplate(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	n := len(m.opts.Templates)
	switch {
	case key.Matches(msg, m.keys.Up):
		m.cursor = (m.cursor + n - 1) % n
	case key.Matches(msg, m.keys.Down):
		m.cursor = (m.cursor + 1) % n
	case key.Matches(msg, m.keys.Confirm):
		m.answers.Template = m.opts.Templates[m.cursor].Name
		return m.advance()
	}
	return m, nil
}

func (m Model) updateConfirm(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Yes):
		m.confirm = true
	case key.Matches(msg, m.keys.No):
		m.confirm = false
	case key.Matches(msg, m.keys.Toggle):
		m.confirm = !m.confirm
		return m, nil
	case key.Matches(msg, m.keys.Confirm):
	default:
		return m, nil
	}
	if m.step == stepInstall {
		m.answers.Install = m.confirm
	} else {
		m.answers.Git = m.confirm
	}
	return m.advance()
}

// advance moves to the next question that applies, preparing its default.
func (m Model) advance() (tea.Model, tea.Cmd) {
	m.step++
	if m.step == stepInstall && !m.chosen().Install {
		m.answers.Install = false
		m.step++
	}
	switch m.step {
	case stepInstall:
		m.confirm = m.answers.Install
	case stepGit:
		m.confirm = m.answers.Git
	case stepDone:
		return m, tea.Quit
	}
	m.keys.step = m.step
	return m, nil
}

func (m Model) chosen() Choice {
	for _, c := range m.opts.Templates {
		if c.Name == m.answers.Template {
			return c
		}
	}
	return Choice{Name: m.answers.Template}
}
