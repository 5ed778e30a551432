package cmd

import (
	"fmt"
	"path/filepath"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/workerd"
)

// VersionOptions are the inputs of `valet --version`.
type VersionOptions struct {
	IO      *iostreams.IOStreams
	Version string
	// Dir is where the project is: the config's directory with -c, else the
	// working directory.
	Dir string
	// Workerd says which workerd valet would run for Dir, without fetching.
	Workerd func(dir string) (*workerd.Binary, error)
}

func newVersionOptions(f *cmdutil.Factory) *VersionOptions {
	dir := "."
	if f.Globals.ConfigPath != "" {
		dir = filepath.Dir(f.Globals.ConfigPath)
	}
	return &VersionOptions{IO: f.IO, Version: f.Version, Dir: dir, Workerd: func(dir string) (*workerd.Binary, error) {
		return workerd.Plan(workerd.LocateOptions{Dir: dir})
	}}
}

// versionRun prints valet's version and the workerd it runs the app's
// JavaScript on for the project here: its version and where it comes from.
func versionRun(opts *VersionOptions) error {
	out := opts.IO.Out
	fmt.Fprintf(out, "valet %s\n", opts.Version)
	b, err := opts.Workerd(opts.Dir)
	if err != nil {
		// The version is asked for when something is wrong: still answer.
		fmt.Fprintf(out, "workerd: none usable (%v)\n", err)
		return nil
	}
	fmt.Fprintf(out, "workerd %s\n", describeWorkerd(b, opts.Dir))
	return nil
}

func describeWorkerd(b *workerd.Binary, dir string) string {
	path := b.Path
	if b.Source == workerd.SourceEnv {
		return "from " + workerd.EnvBinary + " (" + path + ")"
	}
	if abs, err := filepath.Abs(dir); err == nil && b.Source == workerd.SourceProject {
		if r, err := filepath.Rel(abs, path); err == nil && filepath.IsLocal(r) {
			path = r
		}
	}
	var s string
	switch {
	case b.Source == workerd.SourceProject:
		s = fmt.Sprintf("%s, the project's (%s)", b.Version, path)
	case b.PinnedBy != "":
		s = fmt.Sprintf("%s, pinned by the project's %s", b.Version, b.PinnedBy)
	default:
		s = fmt.Sprintf("%s, valet's pinned version", b.Version)
	}
	switch {
	case b.Source == workerd.SourceProject:
	case b.Missing:
		s += ", not downloaded yet (valet dev fetches it through the npm registry)"
	default:
		s += " (" + path + ")"
	}
	if b.Note != "" {
		s += "\n  note: " + b.Note
	}
	return s
}
