package cmd

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/scaffold"
	"github.com/valet-dev/valet/pkg/scaffold/form"
	"github.com/valet-dev/valet/pkg/typegen"
	"github.com/valet-dev/valet/pkg/ui"
	"github.com/valet-dev/valet/schema"
)

// InitOptions are the inputs of `valet init`.
type InitOptions struct {
	IO *iostreams.IOStreams
	// Prompt asks the questions on a terminal (form.Run on IO).
	Prompt func(ctx context.Context, opts form.Options) (form.Answers, error)
	// AfterCreate runs once the files are written: the schema copy and
	// worker-configuration.d.ts.
	AfterCreate func(dir string) error

	Dir      string // the DIR argument; "" when not given
	Template string
	Name     string
	Yes      bool
	Force    bool
	Install  *bool // --install / --no-install; nil when neither was given
	Git      *bool // --git / --no-git; nil when neither was given
}

// NewCmdInit builds `valet init`.
func NewCmdInit(f *cmdutil.Factory, runF func(*InitOptions) error) *cobra.Command {
	opts := &InitOptions{
		IO: f.IO,
		Prompt: func(ctx context.Context, o form.Options) (form.Answers, error) {
			return form.Run(ctx, f.IO.In, f.IO.ErrOut, o)
		},
		AfterCreate: initTypes,
	}
	var install, noInstall, git, noGit bool
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create a new app from a template",
		Long: `Create a new app in DIR from one of valet's templates:

  container-app  React frontend, worker, Durable Object and a container backend
                 (the reference app; the backend is Go, built offline)
  worker         a TypeScript worker with a few routes
  assets         a static site, no worker

On a terminal, valet init asks for the name, the template, and whether to run
npm install and git init. With --yes, --template or --name, or when stdin or
stderr is not a terminal (or under CI), it asks nothing and uses:

  name      --name, else DIR's base name, else "valet-app"
  DIR       the name
  template  container-app
  npm       not run, unless --install
  git       git init and a first commit, unless --no-git (skipped when DIR
            is already inside a git repository)

DIR must be empty or missing (a .git directory, a LICENSE and editor settings
are fine); --force writes the template's files over a non-empty DIR and
leaves its other files alone. The app's name goes into valet.jsonc,
package.json, README.md and index.html.`,
		Example: `  valet init                           # ask, on a terminal
  valet init my-app --yes              # container-app in ./my-app, no questions
  valet init site --template assets
  valet init . --name api --template worker --install --no-git`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cmdutil.Usagef("valet init takes one directory, got %d arguments: %s", len(args), strings.Join(args, " "))
			}
			return nil
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveFilterDirs
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			var err error
			if opts.Install, err = boolPair(cmd, "install", "no-install", install, noInstall); err != nil {
				return err
			}
			if opts.Git, err = boolPair(cmd, "git", "no-git", git, noGit); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return initRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Template, "template", "t", "", "template: container-app, worker or assets (default container-app)")
	fl.StringVarP(&opts.Name, "name", "n", "", "app name: lowercase letters, digits and dashes (default: DIR's base name)")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "ask nothing: use the flags and the defaults")
	fl.BoolVarP(&opts.Force, "force", "f", false, "write into a non-empty directory, replacing the template's files there")
	fl.BoolVar(&install, "install", false, "run npm install after creating the files")
	fl.BoolVar(&noInstall, "no-install", false, "do not run npm install (the default without a terminal)")
	fl.BoolVar(&git, "git", false, "git init and commit the new app (the default)")
	fl.BoolVar(&noGit, "no-git", false, "do not initialise a git repository")
	_ = cmd.RegisterFlagCompletionFunc("template", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var names []string
		for _, t := range scaffold.Templates() {
			names = append(names, t.Name+"\t"+t.Description)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// boolPair reads a --x/--no-x pair: nil when neither was given.
func boolPair(cmd *cobra.Command, yes, no string, yesVal, noVal bool) (*bool, error) {
	fl := cmd.Flags()
	switch y, n := fl.Changed(yes), fl.Changed(no); {
	case y && n:
		return nil, cmdutil.Usagef("--%s and --%s contradict each other; pass one", yes, no)
	case y:
		return &yesVal, nil
	case n:
		v := !noVal
		return &v, nil
	}
	return nil, nil
}

func initRun(ctx context.Context, opts *InitOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	dir := opts.Dir
	name := opts.Name
	if name == "" {
		name = scaffold.DefaultName
		if dir != "" {
			abs, err := filepath.Abs(dir)
			if err != nil {
				return fmt.Errorf("resolve %s: %w", dir, err)
			}
			name = scaffold.NameFromDir(abs)
		}
	}
	tmpl := opts.Template
	if tmpl == "" {
		tmpl = scaffold.DefaultTemplate
	}
	if _, err := scaffold.LookupTemplate(tmpl); err != nil {
		return err
	}
	if opts.Name != "" {
		if err := scaffold.ValidateName(opts.Name); err != nil {
			return err
		}
	}
	if dir != "" {
		// Refuse before asking anything.
		if err := scaffold.CheckDir(dir, opts.Force); err != nil {
			return err
		}
	}

	interactive := !opts.Yes && opts.Template == "" && opts.Name == "" && opts.IO.CanPrompt()
	answers := form.Answers{Name: name, Template: tmpl, Install: interactive, Git: true}
	if opts.Install != nil {
		answers.Install = *opts.Install
	}
	if opts.Git != nil {
		answers.Git = *opts.Git
	}
	if interactive {
		var err error
		answers, err = opts.Prompt(ctx, formOptions(opts.IO, answers))
		if err != nil {
			return err
		}
	}
	if dir == "" {
		dir = answers.Name
	}

	rep := ui.NewReporter(opts.IO, ui.Plain)
	rep.Start()
	res, err := scaffold.Create(ctx, scaffold.Options{
		Dir:         dir,
		Name:        answers.Name,
		Template:    answers.Template,
		Force:       opts.Force,
		Install:     answers.Install,
		Git:         answers.Git,
		AfterCreate: opts.AfterCreate,
		Events:      rep,
	})
	if stopErr := rep.Stop(); err == nil && stopErr != nil {
		err = stopErr
	}
	if err != nil {
		return err
	}
	printNextSteps(opts.IO, res)
	return nil
}

func formOptions(io *iostreams.IOStreams, defaults form.Answers) form.Options {
	var choices []form.Choice
	for _, t := range scaffold.Templates() {
		choices = append(choices, form.Choice{Name: t.Name, Description: t.Description, Install: t.Install})
	}
	return form.Options{
		Defaults:  defaults,
		Templates: choices,
		ValidateName: func(s string) error {
			return scaffold.ValidateName(s)
		},
		Color: io.ColorEnabled(),
	}
}

func printNextSteps(io *iostreams.IOStreams, res *scaffold.Result) {
	w := io.ErrOut
	fmt.Fprintf(w, "\nCreated %s from the %s template in %s\n\nNext steps:\n", res.Name, res.Template.Name, res.Dir)
	for _, s := range res.NextSteps {
		fmt.Fprintf(w, "  %s\n", s)
	}
}

// initTypes gives a new app what `valet types` writes: the JSON Schema copy
// that valet.jsonc's "$schema" names, and worker-configuration.d.ts.
func initTypes(dir string) error {
	if err := schema.WriteCopy(dir); err != nil {
		return err
	}
	p, err := config.Load(config.LoadOptions{Path: filepath.Join(dir, "valet.jsonc")})
	if err != nil {
		return err
	}
	gen, err := typegen.ProjectOptions(p)
	if err != nil {
		return err
	}
	if _, err := typegen.Run(gen, false); err != nil {
		return err
	}
	return nil
}
