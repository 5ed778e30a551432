package build

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/events"
)

// CommandOptions runs wrangler's custom build (`build.command`).
type CommandOptions struct {
	Build   *config.Build
	Dir     string   // project dir; build.cwd is relative to it
	Environ []string // nil: os.Environ(); node_modules/.bin is put first on its PATH
	Events  *events.Emitter
}

// CommandError is a custom build command that failed; it keeps the last
// lines of output so the user sees why without scrolling.
type CommandError struct {
	Command string
	Err     error
	Tail    []string
}

func (e *CommandError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "build.command %q failed: %v", e.Command, e.Err)
	if len(e.Tail) > 0 {
		b.WriteString("\n  last output:\n")
		for _, l := range e.Tail {
			b.WriteString("    " + l + "\n")
		}
	}
	b.WriteString("  hint: run the command yourself in the project directory, or fix build.command in the config")
	return b.String()
}

func (e *CommandError) Unwrap() error { return e.Err }

// RunCommand runs build.command through the shell (as wrangler does),
// streaming its output as Log events.
func RunCommand(ctx context.Context, opts CommandOptions) error {
	b := opts.Build
	dir := opts.Dir
	if b.Cwd != "" {
		dir = absJoin(opts.Dir, b.Cwd)
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", b.Command)
	cmd.Dir = dir
	cmd.Env = withNpmBins(opts.Environ, dir)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	var tail []string
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			opts.Events.Emit(events.Event{Kind: events.Log, Source: "build", Message: line})
			tail = append(tail, line)
			if len(tail) > 20 {
				tail = tail[1:]
			}
		}
		io.Copy(io.Discard, pr)
	}()
	err := cmd.Run()
	pw.Close()
	wg.Wait()
	if err != nil {
		return &CommandError{Command: b.Command, Err: err, Tail: tail}
	}
	return nil
}

// withNpmBins puts node_modules/.bin of dir and of each directory above it
// first on PATH, nearest first, as `npm run` does (so `npx wrangler`'s
// custom builds can call the project's esbuild or tsc by name, and a
// workspace's hoisted binaries are found too).
func withNpmBins(environ []string, dir string) []string {
	if environ == nil {
		environ = os.Environ()
	}
	var bins []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		bins = append(bins, filepath.Join(d, "node_modules", ".bin"))
		if filepath.Dir(d) == d {
			break
		}
	}
	out := make([]string, 0, len(environ)+1)
	path := ""
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == "PATH" {
			path = v
			continue
		}
		out = append(out, kv)
	}
	if path != "" {
		bins = append(bins, path)
	}
	return append(out, "PATH="+strings.Join(bins, string(filepath.ListSeparator)))
}
