package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/valet-dev/valet/pkg/bindings"
	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/d1"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/workerd"
)

// D1Options are the inputs of `valet d1 ...`.
type D1Options struct {
	IO        *iostreams.IOStreams
	Project   func() (*config.Project, error)
	Verb      string // execute, migrations create, migrations list, migrations apply
	Database  string
	Command   string
	File      string
	Message   string
	JSON      bool
	Yes       bool
	Remote    bool
	PersistTo string
	Now       func() time.Time
}

// NewCmdD1 builds `valet d1`.
func NewCmdD1(f *cmdutil.Factory, runF func(*D1Options) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "d1",
		Short: "Run SQL and migrations on the app's local D1 databases",
		Long: `Run SQL against a D1 database of the config, named by its binding or database_name,
on the same local storage valet dev uses (--persist-to, default .valet/state), as
wrangler d1 ... --local does. valet has no remote D1: --remote is refused.`,
		Example: `  valet d1 execute DB --command "SELECT count(*) FROM users"
  valet d1 migrations create DB "create users"
  valet d1 migrations apply DB --yes`,
	}
	newOpts := func(verb string) *D1Options {
		return &D1Options{IO: f.IO, Project: projectLoader(f), Verb: verb, Now: time.Now}
	}
	run := func(opts *D1Options) error {
		if runF != nil {
			return runF(opts)
		}
		return d1Run(context.Background(), opts)
	}
	common := func(c *cobra.Command, opts *D1Options) {
		c.Flags().StringVar(&opts.PersistTo, "persist-to", "", "directory of the local data (default .valet/state, as valet dev)")
		c.Flags().Bool("local", true, "run on the local database (the only one valet has)")
		c.Flags().BoolVar(&opts.Remote, "remote", false, "refused: valet has no remote D1")
	}

	ex := newOpts("execute")
	execute := &cobra.Command{
		Use:   "execute DATABASE (--command SQL | --file FILE)",
		Short: "Run SQL statements, in one transaction",
		Example: `  valet d1 execute DB --command "SELECT * FROM users"
  valet d1 execute DB --file schema.sql --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, a []string) error {
			ex.Database = a[0]
			if (ex.Command == "") == (ex.File == "") {
				return cmdutil.Usagef("give the SQL with exactly one of --command and --file")
			}
			return run(ex)
		},
	}
	execute.Flags().StringVar(&ex.Command, "command", "", "SQL to run")
	execute.Flags().StringVar(&ex.File, "file", "", "file of SQL to run")
	execute.Flags().BoolVar(&ex.JSON, "json", false, "print only the results, as JSON")
	execute.Flags().BoolVarP(&ex.Yes, "yes", "y", false, "accepted for wrangler's sake; nothing is asked")
	common(execute, ex)
	cmd.AddCommand(execute)

	mig := &cobra.Command{Use: "migrations", Short: "Create, list and apply the migrations of a database"}
	cr := newOpts("migrations create")
	create := &cobra.Command{
		Use: "create DATABASE MESSAGE", Short: "Write the next numbered migration file", Args: cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, a []string) error {
			cr.Database, cr.Message = a[0], a[1]
			return run(cr)
		},
	}
	mig.AddCommand(create)
	ls := newOpts("migrations list")
	list := &cobra.Command{
		Use: "list DATABASE", Short: "List the migrations not applied yet", Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, a []string) error {
			ls.Database = a[0]
			return run(ls)
		},
	}
	common(list, ls)
	mig.AddCommand(list)
	ap := newOpts("migrations apply")
	apply := &cobra.Command{
		Use: "apply DATABASE", Short: "Apply the migrations not applied yet, in order", Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, a []string) error {
			ap.Database = a[0]
			return run(ap)
		},
	}
	apply.Flags().BoolVarP(&ap.Yes, "yes", "y", false, "do not ask for confirmation")
	common(apply, ap)
	mig.AddCommand(apply)
	cmd.AddCommand(mig)
	return cmd
}

// persistDir is --persist-to, else valet dev's default under the project.
func persistDir(p *config.Project, flag string) string {
	if flag != "" {
		return flag
	}
	return filepath.Join(p.Dir, ".valet", "state")
}

func d1Run(ctx context.Context, opts *D1Options) error {
	if opts.Remote {
		return cmdutil.Usagef("valet has no remote D1 databases: drop --remote (valet d1 runs on the local database valet dev uses)")
	}
	p, err := opts.Project()
	if err != nil {
		return err
	}
	db, err := d1.Find(p.Config, opts.Database)
	if err != nil {
		return &cmdutil.UsageError{Err: fmt.Errorf("%s: %w", p.Path, err)}
	}
	m := d1.MigrationsOf(p.Dir, db)
	if opts.Verb == "migrations create" {
		path, err := m.Create(opts.Message, opts.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "created migration %s\n", filepath.Base(path))
		fmt.Fprintln(opts.IO.Out, path)
		return nil
	}
	persist := persistDir(p, opts.PersistTo)
	bin, err := workerd.Locate(workerd.LocateOptions{Dir: p.Dir, Fetch: workerd.FetchFromRegistry(p.Dir)})
	if err != nil {
		return err
	}
	conn, err := d1.Open(ctx, d1.Options{Workerd: bin.Path, PersistTo: persist, Database: db})
	if err != nil {
		return err
	}
	defer conn.Close()
	switch opts.Verb {
	case "execute":
		sql := opts.Command
		if opts.File != "" {
			b, err := os.ReadFile(opts.File)
			if err != nil {
				return &cmdutil.UsageError{Err: fmt.Errorf("--file: %w", err)}
			}
			sql = string(b)
		}
		if !opts.JSON {
			fmt.Fprintf(opts.IO.ErrOut, "Executing on local database %s (%s) from %s:\n", opts.Database, bindings.D1ID(db), filepath.Join(persist, "d1"))
		}
		res, err := conn.Execute(ctx, sql)
		if err != nil {
			return d1Error(err)
		}
		if !opts.JSON {
			fmt.Fprintf(opts.IO.ErrOut, "%s executed successfully.\n", countOf(len(res), "command"))
		}
		return printJSON(opts.IO.Out, res)
	case "migrations list", "migrations apply":
		todo, err := m.Unapplied(ctx, conn)
		if err != nil {
			return d1Error(err)
		}
		if len(todo) == 0 {
			fmt.Fprintln(opts.IO.ErrOut, "No migrations to apply!")
			return nil
		}
		fmt.Fprintln(opts.IO.ErrOut, "Migrations to be applied:")
		for _, name := range todo {
			fmt.Fprintln(opts.IO.Out, name)
		}
		if opts.Verb == "migrations list" {
			return nil
		}
		if !opts.Yes && opts.IO.CanPrompt() && !confirm(opts.IO, fmt.Sprintf("Apply %s to %s? [y/N] ", countOf(len(todo), "migration"), opts.Database)) {
			return cmdutil.CancelError
		}
		for _, name := range todo {
			if err := m.Apply(ctx, conn, name); err != nil {
				return d1Error(err)
			}
			fmt.Fprintf(opts.IO.ErrOut, "applied %s\n", name)
		}
		return nil
	}
	return fmt.Errorf("d1: unknown command %q", opts.Verb)
}

// confirm asks a yes/no question on the terminal.
func confirm(io *iostreams.IOStreams, question string) bool {
	fmt.Fprint(io.ErrOut, question)
	line, _ := bufio.NewReader(io.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}

// d1Error says a statement the database refused in D1's words.
func d1Error(err error) error {
	var e *d1.Error
	if errors.As(err, &e) {
		return fmt.Errorf("the database refused the SQL: %s", e.Message)
	}
	return err
}
