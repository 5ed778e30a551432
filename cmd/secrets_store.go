package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/valet-dev/valet/pkg/bindings"
	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/devserver"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/secretsstore"
)

// SecretsStoreOptions are the inputs of `valet secrets-store secret ...`.
type SecretsStoreOptions struct {
	IO        *iostreams.IOStreams
	Project   func() (*config.Project, error)
	Verb      string // create, update, list, delete
	StoreID   string
	Name      string
	SecretID  string
	Value     string
	Scopes    string
	Comment   string
	JSON      bool
	Remote    bool
	PersistTo string
	// ReadSecret reads the value when --value is not given; nil reads
	// stdin (without echo on a terminal).
	ReadSecret func() (string, error)
}

const secretsStoreExample = `  printf %s "$KEY" | valet secrets-store secret create STORE_ID --name api-key --scopes workers
  valet secrets-store secret list STORE_ID
  valet secrets-store secret update STORE_ID --secret-id ID --value new-value
  valet secrets-store secret delete STORE_ID --secret-id ID`

// NewCmdSecretsStore builds `valet secrets-store`.
func NewCmdSecretsStore(f *cmdutil.Factory, runF func(*SecretsStoreOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets-store",
		Short: "Manage the local Secrets Store the app's secrets_store_secrets read",
		Long: `Set the values the worker's secrets_store_secrets bindings answer under valet dev,
in the same local storage (--persist-to, default .valet/state), as wrangler
secrets-store secret ... does without --remote. valet has no remote Secrets Store.`,
		Example: secretsStoreExample,
	}
	secret := &cobra.Command{Use: "secret", Short: "Create, update, list and delete secrets of a store", Example: secretsStoreExample}
	for _, verb := range []struct{ name, short string }{
		{"create", "Create a secret (the value from --value, or stdin without echo on a terminal)"},
		{"update", "Give a secret a new value"},
		{"list", "List the secrets of a store (never their values)"},
		{"delete", "Delete a secret"},
	} {
		opts := &SecretsStoreOptions{IO: f.IO, Project: projectLoader(f), Verb: verb.name}
		sub := &cobra.Command{
			Use: verb.name + " STORE_ID", Short: verb.short, Args: cobra.ExactArgs(1),
			RunE: func(_ *cobra.Command, a []string) error {
				opts.StoreID = a[0]
				if runF != nil {
					return runF(opts)
				}
				return secretsStoreRun(opts)
			},
		}
		fl := sub.Flags()
		fl.StringVar(&opts.PersistTo, "persist-to", "", "directory of the local data (default .valet/state, as valet dev)")
		fl.BoolVar(&opts.Remote, "remote", false, "refused: valet has no remote Secrets Store")
		switch verb.name {
		case "create":
			fl.StringVar(&opts.Name, "name", "", "name of the secret (letters, digits, _ and -)")
			fl.StringVar(&opts.Scopes, "scopes", "", `scopes of the secret, comma-separated (e.g. "workers")`)
			fl.StringVar(&opts.Comment, "comment", "", "comment for the secret")
			fl.StringVar(&opts.Value, "value", "", "value of the secret (it stays in your shell history: prefer stdin)")
		case "update":
			fl.StringVar(&opts.SecretID, "secret-id", "", "ID of the secret")
			fl.StringVar(&opts.Value, "value", "", "new value of the secret (it stays in your shell history: prefer stdin)")
		case "delete":
			fl.StringVar(&opts.SecretID, "secret-id", "", "ID of the secret")
		case "list":
			fl.BoolVar(&opts.JSON, "json", false, "print the secrets (without values) as JSON")
		}
		secret.AddCommand(sub)
	}
	cmd.AddCommand(secret)
	return cmd
}

func secretsStoreRun(opts *SecretsStoreOptions) error {
	if opts.Remote {
		return cmdutil.Usagef("valet has no remote Secrets Store: drop --remote (the local store is what valet dev reads)")
	}
	if err := secretsstore.ValidStoreID(opts.StoreID); err != nil {
		return &cmdutil.UsageError{Err: err}
	}
	switch {
	case opts.Verb == "create" && opts.Name == "":
		return cmdutil.Usagef("give the secret's name with --name")
	case opts.Verb == "create" && opts.Scopes == "":
		return cmdutil.Usagef(`give the secret's scopes with --scopes (e.g. --scopes workers), as wrangler asks`)
	case (opts.Verb == "update" || opts.Verb == "delete") && opts.SecretID == "":
		return cmdutil.Usagef("give the secret's ID with --secret-id (valet secrets-store secret list %s shows them)", opts.StoreID)
	}
	if opts.Verb == "create" {
		if err := secretsstore.ValidName(opts.Name); err != nil {
			return &cmdutil.UsageError{Err: err}
		}
	}
	dir := opts.PersistTo
	if dir == "" {
		p, err := opts.Project()
		if err != nil {
			return err
		}
		dir = devserver.DefaultPersistTo(p)
	}
	store := &secretsstore.Store{Dir: filepath.Join(dir, bindings.SecretsStoreDir)}
	out, errOut := opts.IO.Out, opts.IO.ErrOut
	value := func(name string) (string, error) {
		if opts.Value != "" {
			return opts.Value, nil
		}
		read := opts.ReadSecret
		if read == nil {
			read = func() (string, error) { return readSecret(opts.IO, name) }
		}
		return read()
	}
	switch opts.Verb {
	case "create":
		v, err := value(opts.Name)
		if err != nil {
			return err
		}
		sec, err := store.Create(opts.StoreID, opts.Name, v, opts.Comment, splitScopes(opts.Scopes))
		if err != nil {
			return err
		}
		fmt.Fprintf(errOut, "created secret %s in store %s\n", sec.Name, sec.StoreID)
		fmt.Fprintln(out, sec.ID)
	case "update":
		v, err := value(opts.SecretID)
		if err != nil {
			return err
		}
		sec, err := store.Update(opts.StoreID, opts.SecretID, v)
		if err != nil {
			return notFoundUsage(err)
		}
		fmt.Fprintf(errOut, "updated secret %s in store %s\n", sec.Name, sec.StoreID)
	case "delete":
		sec, err := store.Delete(opts.StoreID, opts.SecretID)
		if err != nil {
			return notFoundUsage(err)
		}
		fmt.Fprintf(errOut, "deleted secret %s from store %s\n", sec.Name, sec.StoreID)
	case "list":
		secrets, err := store.List(opts.StoreID)
		if err != nil {
			return err
		}
		for i := range secrets {
			secrets[i].Value = ""
		}
		if opts.JSON {
			type shown struct {
				ID, Name, Comment string
				Scopes            []string
				Created, Modified string
			}
			list := make([]shown, len(secrets))
			for i, s := range secrets {
				list[i] = shown{s.ID, s.Name, s.Comment, s.Scopes, s.Created.Format("2006-01-02T15:04:05Z"), s.Modified.Format("2006-01-02T15:04:05Z")}
			}
			return json.NewEncoder(out).Encode(list)
		}
		for _, s := range secrets {
			fmt.Fprintf(out, "%s\t%s\t%s\t%s\n", s.Name, s.ID, strings.Join(s.Scopes, ","), s.Comment)
		}
	}
	return nil
}

func splitScopes(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// notFoundUsage makes an unknown secret id a usage error (exit 2).
func notFoundUsage(err error) error {
	if errors.Is(err, secretsstore.ErrNotFound) {
		return &cmdutil.UsageError{Err: fmt.Errorf("%w (valet secrets-store secret list STORE_ID shows the IDs)", err)}
	}
	return err
}
