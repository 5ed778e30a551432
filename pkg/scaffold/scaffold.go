package scaffold

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/templates"
)

// Step names, as events carry them.
const (
	StepFiles   = "write files"
	StepAfter   = "schema and types"
	StepInstall = "npm install"
	StepGit     = "git init"
)

// Options say what Create makes and where.
type Options struct {
	// Dir is where the app goes; it is created when missing. Shown as
	// given in messages and next steps, so keep it relative to the
	// working directory when the user gave it so.
	Dir      string
	Name     string // the app's name; see ValidateName
	Template string // a name from Templates; DefaultTemplate when empty
	Force    bool   // write into a non-empty Dir, replacing the template's files
	Install  bool   // run npm install when the template has dependencies
	Git      bool   // git init and a first commit, unless Dir is already in a repository

	// AfterCreate runs once the files are written, before npm install:
	// valet wires it to write .valet/valet.schema.json and run valet types.
	AfterCreate func(dir string) error

	Events   events.Sink                       // progress; nil drops it
	FS       fs.FS                             // the templates; templates.FS when nil
	Exec     Exec                              // runs npm and git; SystemExec when nil
	LookPath func(file string) (string, error) // exec.LookPath when nil
}

// Result says what Create did.
type Result struct {
	Dir       string   // as given in Options
	Name      string   // the app's name
	Template  Template // the template used
	Files     []string // written, slash-separated, relative to Dir
	Installed bool     // npm install ran and succeeded
	Git       bool     // a git repository was initialised
	NextSteps []string // commands the user runs next, in order
}

// Create writes the app and runs the optional steps. An InputError (exit
// code 2) means nothing was written. When writing fails halfway, a Dir that
// Create made is removed again; later steps never undo the files.
func Create(ctx context.Context, opts Options) (*Result, error) {
	if opts.Template == "" {
		opts.Template = DefaultTemplate
	}
	tmpl, err := LookupTemplate(opts.Template)
	if err != nil {
		return nil, err
	}
	if err := ValidateName(opts.Name); err != nil {
		return nil, err
	}
	if opts.Dir == "" {
		return nil, &InputError{Err: errors.New("no directory given for the new app")}
	}
	if opts.FS == nil {
		opts.FS = templates.FS
	}
	if opts.Exec == nil {
		opts.Exec = SystemExec
	}
	if opts.LookPath == nil {
		opts.LookPath = exec.LookPath
	}
	em := events.NewEmitter(opts.Events)

	if err := CheckDir(opts.Dir, opts.Force); err != nil {
		return nil, err
	}
	files, err := render(opts.FS, tmpl.Name, opts.Name)
	if err != nil {
		return nil, err
	}

	res := &Result{Dir: opts.Dir, Name: opts.Name, Template: tmpl}
	_, statErr := os.Stat(opts.Dir)
	created := errors.Is(statErr, fs.ErrNotExist)
	err = em.Step(StepFiles, func() error {
		return write(opts.Dir, files, func(f file, replaced bool) {
			source := "create"
			if replaced {
				source = "replace"
			}
			res.Files = append(res.Files, f.rel)
			em.Emit(events.Event{Kind: events.Log, Step: StepFiles, Source: source, Message: f.rel})
		})
	})
	if err != nil {
		if created {
			_ = os.RemoveAll(opts.Dir)
		}
		return nil, err
	}

	for _, prog := range tmpl.Needs {
		if _, err := opts.LookPath(prog); err != nil {
			em.Warn(fmt.Sprintf("%s is not on PATH: the %s template needs it to build (see %s)", prog, tmpl.Name, filepath.ToSlash(filepath.Join(opts.Dir, "README.md"))))
		}
	}

	if opts.AfterCreate != nil {
		if err := em.Step(StepAfter, func() error { return opts.AfterCreate(opts.Dir) }); err != nil {
			return res, fmt.Errorf("%s in %s: %w", StepAfter, opts.Dir, err)
		}
	}

	if tmpl.Install {
		if !opts.Install {
			em.Emit(events.Event{Kind: events.StepSkipped, Step: StepInstall, Message: "not asked for"})
		} else if err := install(ctx, em, opts); err != nil {
			return res, err
		} else {
			res.Installed = true
		}
	}

	if opts.Git {
		res.Git = gitInit(ctx, em, opts)
	}
	res.NextSteps = nextSteps(res)
	return res, nil
}

// CheckDir returns the error Create would return for dir: an InputError
// wrapping ErrDirNotEmpty when dir holds files and force is false, or when
// dir is a file. A command calls it before asking questions, so that the
// user does not answer them for nothing.
func CheckDir(dir string, force bool) error {
	present, err := existing(dir)
	if err != nil {
		var input *InputError
		if errors.As(err, &input) {
			return err
		}
		return fmt.Errorf("check %s: %w", dir, err)
	}
	if len(present) > 0 && !force {
		return &InputError{Err: fmt.Errorf("%w: %s already holds %s; choose another directory, or pass --force to write the template's files over the ones there",
			ErrDirNotEmpty, dir, listSome(present, 3))}
	}
	return nil
}

func install(ctx context.Context, em *events.Emitter, opts Options) error {
	if _, err := opts.LookPath("npm"); err != nil {
		return fmt.Errorf("npm install in %s: npm is not on PATH; install Node.js (https://nodejs.org), then run npm install there", opts.Dir)
	}
	return em.Step(StepInstall, func() error {
		out := newLogWriter(em, StepInstall, "npm")
		err := opts.Exec(ctx, opts.Dir, out, "npm", "install", "--no-fund", "--no-audit")
		out.Flush()
		if err != nil {
			return fmt.Errorf("npm install in %s: %w (the app is written; run npm install there again once fixed)", opts.Dir, err)
		}
		return nil
	})
}

// gitInit makes Dir a repository with a first commit. Git is a courtesy:
// its failures are warnings, never the end of init.
func gitInit(ctx context.Context, em *events.Emitter, opts Options) bool {
	skip := func(why string) bool {
		em.Emit(events.Event{Kind: events.StepSkipped, Step: StepGit, Message: why})
		return false
	}
	if _, err := opts.LookPath("git"); err != nil {
		return skip("git is not on PATH")
	}
	git := func(out *bytes.Buffer, args ...string) error {
		return opts.Exec(ctx, opts.Dir, out, "git", args...)
	}
	var out bytes.Buffer
	if err := git(&out, "rev-parse", "--is-inside-work-tree"); err == nil && strings.TrimSpace(out.String()) == "true" {
		return skip("already inside a git repository")
	}
	err := em.Step(StepGit, func() error {
		out.Reset()
		if err := git(&out, "init", "--quiet"); err != nil {
			return fmt.Errorf("git init: %w: %s", err, strings.TrimSpace(out.String()))
		}
		out.Reset()
		if err := git(&out, "add", "--all"); err != nil {
			return fmt.Errorf("git add: %w: %s", err, strings.TrimSpace(out.String()))
		}
		// A commit needs an identity; without one the files stay staged
		// rather than committed under a made-up name.
		if err := git(&bytes.Buffer{}, "var", "GIT_COMMITTER_IDENT"); err != nil {
			em.Info("git has no user.name/user.email: the files are staged, not committed")
			return nil
		}
		out.Reset()
		if err := git(&out, "commit", "--quiet", "--no-verify", "-m", "Initial commit (valet init)"); err != nil {
			return fmt.Errorf("git commit: %w: %s", err, strings.TrimSpace(out.String()))
		}
		return nil
	})
	if err != nil {
		em.Warn(fmt.Sprintf("%s in %s failed; the app is written, run git init there yourself: %v", StepGit, opts.Dir, err))
		return false
	}
	return true
}

func nextSteps(res *Result) []string {
	var steps []string
	if filepath.Clean(res.Dir) != "." {
		steps = append(steps, "cd "+shellQuote(res.Dir))
	}
	if res.Template.Install && !res.Installed {
		steps = append(steps, "npm install")
	}
	return append(steps, "valet dev")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./+@%:,=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// listSome names up to n of names, and how many more there are.
func listSome(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}
