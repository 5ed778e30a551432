package edgehost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/valet-dev/valet/pkg/config"
)

// Env overrides of the edge's paths (tests run the edge outside a container).
const (
	EnvStateDir = "VALET_EDGE_STATE"
	EnvControl  = "VALET_EDGE_CONTROL"
	EnvAddr     = "VALET_EDGE_ADDR"
	EnvWorkerd  = "VALET_WORKERD" // as workerd.Locate reads it
)

// Exit codes of `valet edge`: the client tells a refusal from a failure.
const (
	ExitFailed  = 1 // the verb failed; JSON on stdout says why when it can
	ExitUsage   = 2
	ExitRefused = 3 // lock held by someone else (lock), or no longer ours (renew)
)

// Main runs `valet edge VERB ...` and returns the exit code. Answers are JSON
// on stdout (read by pkg/deploy through an exec); errors go to stderr; a
// secret's value comes on stdin.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: valet edge serve|plan|stage|activate|lock|renew|unlock|state|status|secret ...")
		return ExitUsage
	}
	stateDir := envOr(EnvStateDir, DefaultStateDir)
	control := envOr(EnvControl, DefaultControl)
	verb, rest := args[0], args[1:]
	if verb == "serve" {
		cluster, err := ClusterHostFromEnv()
		if err != nil {
			return fail(stderr, err)
		}
		err = Serve(ctx, ServeOptions{StateDir: stateDir, Addr: envOr(EnvAddr, DefaultAddr), Control: control, Out: stdout,
			Workerd: envOr(EnvWorkerd, WorkerdPath), Cluster: cluster})
		return fail(stderr, err)
	}
	if verb == "status" {
		st, err := statusVia(ctx, control, len(rest) == 1 && rest[0] == "--bucket")
		if err != nil {
			return fail(stderr, err)
		}
		return fail(stderr, json.NewEncoder(stdout).Encode(st))
	}
	store, err := NewStore(stateDir)
	if err != nil {
		return fail(stderr, err)
	}
	out := json.NewEncoder(stdout)
	switch verb {
	case "plan", "stage":
		if len(rest) != 1 {
			return usage(stderr, verb+" TX")
		}
		var v any
		if verb == "plan" {
			v, err = store.Plan(rest[0])
		} else {
			v, err = store.Stage(rest[0])
		}
		if err != nil {
			return fail(stderr, err)
		}
		return fail(stderr, out.Encode(v))
	case "activate", "reload":
		id := ""
		if verb == "activate" {
			if len(rest) != 1 {
				return usage(stderr, "activate VERSION")
			}
			id = rest[0]
		}
		res, err := activateVia(ctx, control, id)
		if err != nil {
			return fail(stderr, err)
		}
		if err := out.Encode(res); err != nil || !res.OK {
			return ExitFailed
		}
		return 0
	case "missing":
		missing, err := store.Missing(rest)
		if err != nil {
			return fail(stderr, err)
		}
		return fail(stderr, out.Encode(missing))
	case "ping":
		return fail(stderr, ping(ctx, control))
	case "lock":
		return runLock(store, rest, out, stderr)
	case "renew":
		if len(rest) != 1 {
			return usage(stderr, "renew TOKEN")
		}
		res, err := store.Renew(rest[0])
		return answerLock(res, err, out, stderr)
	case "unlock":
		if len(rest) != 1 {
			return usage(stderr, "unlock TOKEN")
		}
		return fail(stderr, store.Unlock(rest[0]))
	case "state":
		st, err := store.Read()
		if err != nil {
			return fail(stderr, err)
		}
		return fail(stderr, out.Encode(st))
	case "secret":
		return runSecret(ctx, store, control, rest, stdin, out, stderr)
	}
	return usage(stderr, "serve|plan|stage|activate|reload|lock|renew|unlock|state|status|secret")
}

func runLock(store *Store, args []string, out *json.Encoder, stderr io.Writer) int {
	fs := flag.NewFlagSet("lock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var l Lock
	var takeOver string
	fs.StringVar(&l.Holder, "holder", "", "user@host")
	fs.StringVar(&l.Hostname, "hostname", "", "client machine")
	fs.IntVar(&l.PID, "pid", 0, "client pid")
	fs.StringVar(&l.Command, "command", "deploy", "command")
	fs.StringVar(&l.Token, "token", "", "lock token")
	fs.StringVar(&takeOver, "take-over", "", "token of a stale lock to replace")
	if err := fs.Parse(args); err != nil || l.Token == "" {
		return usage(stderr, "lock --token T --holder H [--hostname N --pid P --command C --take-over T]")
	}
	res, err := store.TryLock(l, takeOver)
	return answerLock(res, err, out, stderr)
}

// answerLock prints a lock or renew answer; a lock held by someone else
// exits ExitRefused.
func answerLock(res *LockResult, err error, out *json.Encoder, stderr io.Writer) int {
	if err != nil {
		return fail(stderr, err)
	}
	if err := out.Encode(res); err != nil {
		return fail(stderr, err)
	}
	if !res.Acquired {
		return ExitRefused
	}
	return 0
}

// SecretInput is what `valet edge secret put NAME` reads on stdin. One JSON
// value: a stream cut short (the client killed mid-way) does not decode,
// and nothing is stored.
type SecretInput struct {
	Value string `json:"value"`
}

// runSecret: put NAME reads the value from stdin (the exec's input stream:
// never a file, an argument or an environment variable), then re-activates
// the active version so the worker sees it.
func runSecret(ctx context.Context, store *Store, control string, args []string, stdin io.Reader, out *json.Encoder, stderr io.Writer) int {
	if len(args) == 0 {
		return usage(stderr, "secret put NAME (value on stdin) | delete NAME | list | digest NAME")
	}
	type answer struct {
		Names   []string        `json:"names,omitempty"`
		Existed bool            `json:"existed,omitempty"`
		Reload  *ActivateResult `json:"reload,omitempty"`
		Digest  string          `json:"digest,omitempty"`
		Value   string          `json:"value,omitempty"`
	}
	var a answer
	switch {
	case (args[0] == "digest" || args[0] == "get") && len(args) == 2:
		// digest compares a secret across hosts without showing it; get
		// hands the one secret valet made itself, the cluster key, to a
		// host that joins the cluster (never a secret of the user's).
		if args[0] == "get" && args[1] != config.SecretClusterKey {
			return fail(stderr, fmt.Errorf("secret get: only %s is handed between hosts; a secret's value is never shown", config.SecretClusterKey))
		}
		m, err := store.Secrets()
		if err != nil {
			return fail(stderr, err)
		}
		if v, ok := m[args[1]]; ok {
			sum := sha256.Sum256([]byte(v))
			a.Digest = "sha256:" + hex.EncodeToString(sum[:])
			if args[0] == "get" {
				a.Value = v
			}
		}
		return fail(stderr, out.Encode(a))
	case args[0] == "list" && len(args) == 1:
		names, err := store.SecretNames()
		if err != nil {
			return fail(stderr, err)
		}
		a.Names = names
		return fail(stderr, out.Encode(a))
	case args[0] == "put" && len(args) == 2:
		var in SecretInput
		// The decoder's errors name no part of the input beyond a character.
		if err := json.NewDecoder(stdin).Decode(&in); err != nil {
			return fail(stderr, fmt.Errorf("read the secret's value on stdin: %w; nothing was stored", err))
		}
		var err error
		if a.Existed, err = store.PutSecret(args[1], in.Value, false); err != nil {
			return fail(stderr, err)
		}
	case args[0] == "delete" && len(args) == 2:
		var err error
		if a.Existed, err = store.PutSecret(args[1], "", true); err != nil {
			return fail(stderr, err)
		}
	default:
		return usage(stderr, "secret put NAME (value on stdin) | delete NAME | list | digest NAME")
	}
	if st, err := store.Read(); err == nil && st.Active != "" {
		res, err := activateVia(ctx, control, "")
		if err != nil {
			return fail(stderr, err)
		}
		a.Reload = res
	}
	if err := out.Encode(a); err != nil {
		return fail(stderr, err)
	}
	if a.Reload != nil && !a.Reload.OK {
		return ExitFailed
	}
	return 0
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func fail(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "valet edge:", strings.TrimSpace(err.Error()))
	return ExitFailed
}

func usage(stderr io.Writer, u string) int {
	fmt.Fprintln(stderr, "usage: valet edge", u)
	return ExitUsage
}
