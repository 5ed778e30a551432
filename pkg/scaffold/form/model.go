// Package form is valet init's interactive questions: the app's name, its
// template, and whether to run npm install and git init. It is a small
// bubbletea model; Run shows it on a terminal.
package form

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
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
	// Renderer styles the output; lipgloss's default when nil. Tests pass
	// one with the ASCII profile.
	Renderer *lipgloss.Renderer
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
}

// New returns the form at its first question.
func New(opts Options) Model {
	r := opts.Renderer
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	st := newStyles(r)

	in := textinput.New()
	in.Prompt = "> "
	in.Placeholder = opts.Defaults.Name
	in.CharLimit = 63
	in.PromptStyle = st.accent
	in.TextStyle = r.NewStyle()
	in.PlaceholderStyle = st.faint
	in.Cursor.Style = r.NewStyle().Reverse(true)
	in.Cursor.TextStyle = r.NewStyle()
	// A static cursor: no blink timer, so frames depend on input alone.
	in.Cursor.SetMode(cursor.CursorStatic)
	in.Focus()

	h := help.New()
	h.Styles.ShortKey = st.faint
	h.Styles.ShortDesc = st.faint
	h.Styles.ShortSeparator = st.faint

	m := Model{opts: opts, input: in, answers: opts.Defaults, keys: newKeyMap(), help: h, styles: st}
	for i, c := range opts.Templates {
		if c.Name == opts.Defaults.Template {
			m.cursor = i
		}
	}
	return m
}

// Init implements tea.Model.
func (m Model) Init() tea.Cmd { return nil }

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
		m.help.Width = msg.Width
		return m, nil
	case inputEnded:
		m.cancelled = true
		return m, tea.Quit
	case tea.KeyMsg:
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste && m.step != stepName {
			// Keys typed faster than they are read arrive together ("yn");
			// outside the text field each one is an answer of its own.
			return m.updateEach(msg.Runes)
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
		model, cmd = model.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	return model, cmd
}

func (m Model) updateName(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
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

func (m Model) updateTemplate(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
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

func (m Model) updateConfirm(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
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
