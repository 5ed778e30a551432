// Package typegen writes worker-configuration.d.ts: the Env interface built
// from a config's bindings, followed by declarations of the runtime API valet
// provides, so a worker type-checks with tsc and no @cloudflare/workers-types.
package typegen

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/valet-dev/valet/pkg/bindings"
	"github.com/valet-dev/valet/pkg/config"
)

// DefaultOutput is the file valet types writes, as wrangler names it.
const DefaultOutput = "worker-configuration.d.ts"

// Options are the inputs of one generation.
type Options struct {
	// Config is the configuration as written: its top level, with its "env"
	// section still in place.
	Config *config.Config
	// ConfigDir is the project directory: `main` and the secrets files
	// (.dev.vars, .env) are found there.
	ConfigDir string
	// ConfigRaw is the config file's bytes; they go into the input hash.
	// When nil, the hash uses Config encoded as JSON.
	ConfigRaw []byte
	// Env selects one environment; "" types the top level and, like
	// wrangler, adds one interface per named environment.
	Env string
	// Output is the file to write; relative to ConfigDir; default
	// DefaultOutput.
	Output string
	// OmitRuntime leaves out valet's runtime declarations (wrangler's
	// --include-runtime=false), for projects that keep
	// @cloudflare/workers-types in their tsconfig.
	OmitRuntime bool
	// WriteSchema, when set, is called by Run after writing (not when
	// checking) to refresh the editor's copy of the JSON Schema.
	WriteSchema func(projectDir string) error
	// Workers are the other workers typed with this one (valet types -c a
	// -c b, as wrangler types): each one's main module, an absolute path,
	// by worker name. A service binding to one is typed by its exports.
	Workers map[string]string
	// WorkerConfigs are the configs of valet types -c a -c b as given, this
	// one's first, for the header's command line (empty with one config).
	WorkerConfigs []string
}

// generated is one rendering of the file and what went into it.
type generated struct {
	path     string
	content  []byte
	hash     string
	bindings []Binding
}

// Generate returns the bytes of the declaration file. The same inputs give
// the same bytes.
func Generate(opts Options) ([]byte, error) {
	g, err := generate(opts)
	if err != nil {
		return nil, err
	}
	return g.content, nil
}

// OutputPath returns the absolute path of the file opts write.
func (opts Options) OutputPath() string {
	out := opts.Output
	if out == "" {
		out = DefaultOutput
	}
	if !filepath.IsAbs(out) {
		out = filepath.Join(opts.ConfigDir, out)
	}
	return filepath.Clean(out)
}

func generate(opts Options) (*generated, error) {
	if opts.Config == nil {
		return nil, fmt.Errorf("generate types: no config")
	}
	output := opts.OutputPath()

	h := newInputHash(opts, output)

	// One entry per environment typed: the selected one, or the top level
	// followed by every named environment.
	type typedEnv struct {
		name     string
		cfg      *config.Config
		bindings map[string]string
	}
	var envs []typedEnv
	// text are the bindings that are strings or JSON values (vars and
	// secrets), which process.env carries.
	text := map[string]bool{}
	names := []string{opts.Env}
	if opts.Env == "" {
		names = append(names, sortedKeys(opts.Config.Env)...)
	}
	for _, name := range names {
		cfg := opts.Config
		if name != "" {
			var err error
			// Named environments inherit as pkg/config says (wrangler's rules).
			if cfg, err = config.Resolve(opts.Config, name); err != nil {
				return nil, err
			}
		}
		mainImport, err := importPath(opts.ConfigDir, cfg.Main, output)
		if err != nil {
			return nil, err
		}
		secrets, err := readSecretKeys(opts.ConfigDir, name)
		if err != nil {
			return nil, err
		}
		h.secrets(name, secrets)
		workers := map[string]string{}
		for name, main := range opts.Workers {
			if workers[name], err = importPath(opts.ConfigDir, main, output); err != nil {
				return nil, err
			}
		}
		b, err := envBindings(cfg, mainImport, secrets.Keys, workers)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", envLabel(name), err)
		}
		for n := range bindings.Values(cfg, secrets.Keys) {
			text[n] = true
		}
		envs = append(envs, typedEnv{name: name, cfg: cfg, bindings: b})
	}

	// Env describes what runs without --env (the first entry) exactly;
	// values a named environment gives a binding widen its type, and a
	// binding only named environments have is optional. wrangler makes
	// every binding missing from some environment optional, which breaks
	// `env.CONTAINER.get(...)` under --strict as soon as a config has an
	// environment that only overrides vars; valet's choice keeps such code
	// compiling while still typing every value a binding can take.
	merged := map[string][]string{}
	for _, e := range envs {
		for name, t := range e.bindings {
			merged[name] = append(merged[name], t)
		}
	}
	var env []Binding
	for _, name := range sortedKeys(merged) {
		_, top := envs[0].bindings[name]
		env = append(env, Binding{Name: name, Type: union(merged[name]), Optional: !top, Text: text[name]})
	}

	var w strings.Builder
	hash := h.sum()
	fmt.Fprintf(&w, "// Generated by valet by running `%s` (hash: %s)\n", commandLine(opts, output), hash)
	w.WriteString("/* eslint-disable */\n")
	if !opts.OmitRuntime {
		fmt.Fprintf(&w, "// Runtime types: valet declarations %s", declarationsVersion())
		if d := envs[0].cfg.CompatibilityDate; d != "" {
			fmt.Fprintf(&w, ", compatibility_date %s", d)
		}
		if f := envs[0].cfg.CompatibilityFlags; len(f) > 0 {
			fmt.Fprintf(&w, ", flags %s", strings.Join(f, " "))
		}
		w.WriteString("\n")
	}
	w.WriteString("declare namespace Cloudflare {\n")
	writeGlobalProps(&w, envs[0].cfg, opts.ConfigDir, output)
	for _, e := range envs[1:] {
		var members []Binding
		for _, name := range sortedKeys(e.bindings) {
			members = append(members, Binding{Name: name, Type: e.bindings[name]})
		}
		writeInterface(&w, interfaceName(e.name), members)
	}
	writeInterface(&w, "Env", env)
	w.WriteString("}\ninterface Env extends Cloudflare.Env {}\n")
	writeProcessEnv(&w, envs[0].cfg, env)
	writeModuleRules(&w, envs[0].cfg.Rules)
	if !opts.OmitRuntime {
		w.WriteString("\n// Begin runtime types\n")
		w.WriteString(runtimeDecls)
	}

	return &generated{path: output, content: []byte(w.String()), hash: hash, bindings: env}, nil
}

// writeModuleRules declares the modules the config's rules make, as
// wrangler types does: an import of a Text module is a string, of Data an
// ArrayBuffer, of CompiledWasm a WebAssembly.Module.
func writeModuleRules(w *strings.Builder, rules []config.ModuleRule) {
	types := map[string]string{"Text": "string", "Data": "ArrayBuffer", "CompiledWasm": "WebAssembly.Module"}
	for _, r := range rules {
		t, ok := types[r.Type]
		if !ok {
			continue
		}
		for _, g := range r.Globs {
			fmt.Fprintf(w, "declare module %q {\n\tconst value: %s;\n\texport default value;\n}\n", moduleGlob(g), t)
		}
	}
}

// moduleGlob turns a rule's glob into the wildcard TypeScript's `declare
// module` takes (one `*`): "**/*.html" is "*.html".
func moduleGlob(g string) string {
	switch {
	case !strings.Contains(g, "*"):
		return g
	case strings.Contains(g, "."):
		return "*." + g[strings.LastIndex(g, ".")+1:]
	}
	g = strings.Replace(g, "**/*", "*", 1)
	g = strings.Replace(g, "**/", "*/", 1)
	return strings.Replace(g, "/**", "/*", 1)
}

// writeGlobalProps declares what wrangler's GlobalProps carries (the main
// module and the Durable Object classes), for code typed against it.
func writeGlobalProps(w *strings.Builder, top *config.Config, dir, output string) {
	mainImport, _ := importPath(dir, top.Main, output)
	var classes []string
	for _, c := range append([]*config.Config{top}, envConfigs(top)...) {
		if c == nil || c.DurableObjects == nil {
			continue
		}
		for _, b := range c.DurableObjects.Bindings {
			if (b.ScriptName == "" || b.ScriptName == top.Name) && !slices.Contains(classes, b.ClassName) {
				classes = append(classes, b.ClassName)
			}
		}
	}
	if mainImport == "" && len(classes) == 0 {
		return
	}
	slices.Sort(classes)
	w.WriteString("\tinterface GlobalProps {\n")
	if mainImport != "" {
		fmt.Fprintf(w, "\t\tmainModule: typeof import(%q);\n", mainImport)
	}
	if len(classes) > 0 {
		quoted := make([]string, len(classes))
		for i, c := range classes {
			quoted[i] = fmt.Sprintf("%q", c)
		}
		fmt.Fprintf(w, "\t\tdurableNamespaces: %s;\n", strings.Join(quoted, " | "))
	}
	w.WriteString("\t}\n")
}

func envConfigs(top *config.Config) []*config.Config {
	out := make([]*config.Config, 0, len(top.Env))
	for _, name := range sortedKeys(top.Env) {
		out = append(out, top.Env[name])
	}
	return out
}

func writeInterface(w *strings.Builder, name string, members []Binding) {
	fmt.Fprintf(w, "\tinterface %s {\n", name)
	for _, m := range members {
		opt := ""
		if m.Optional {
			opt = "?"
		}
		fmt.Fprintf(w, "\t\t%s%s: %s;\n", propertyName(m.Name), opt, m.Type)
	}
	w.WriteString("\t}\n")
}

// writeProcessEnv mirrors wrangler for nodejs_compat workers, which may read
// vars and secrets from process.env: as strings. values names them (the
// binding registry's Values), whatever their type: a KV namespace or a
// queue is not in process.env.
func writeProcessEnv(w *strings.Builder, top *config.Config, env []Binding) {
	if !slices.Contains(top.CompatibilityFlags, "nodejs_compat") && !slices.Contains(top.CompatibilityFlags, "nodejs_compat_v2") {
		return
	}
	var keys []string
	for _, b := range env {
		if b.Text {
			keys = append(keys, fmt.Sprintf("%q", b.Name))
		}
	}
	if len(keys) == 0 {
		return
	}
	w.WriteString("type StringifyValues<EnvType extends Record<string, unknown>> = {\n")
	w.WriteString("\t[Binding in keyof EnvType]: EnvType[Binding] extends string ? EnvType[Binding] : string;\n};\n")
	w.WriteString("declare namespace NodeJS {\n")
	fmt.Fprintf(w, "\tinterface ProcessEnv extends StringifyValues<Pick<Cloudflare.Env, %s>> {}\n}\n", strings.Join(keys, " | "))
}

func envLabel(name string) string {
	if name == "" {
		return "top-level config"
	}
	return fmt.Sprintf("env.%s", name)
}

// ProjectOptions returns the options for a loaded project. p.Config is
// resolved for one environment with its "env" section cleared, so the top
// level is decoded again from p.Raw: without --env, Env spans every
// environment.
func ProjectOptions(p *config.Project) (Options, error) {
	top, _, err := config.Parse(p.Path, p.Raw)
	if err != nil {
		return Options{}, err
	}
	return Options{Config: top, ConfigDir: p.Dir, ConfigRaw: p.Raw, Env: p.Env}, nil
}
