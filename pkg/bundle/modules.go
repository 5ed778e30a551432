package bundle

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
)

// ModuleOptions say which files become modules of their own (wrangler's
// rules, find_additional_modules, base_dir, preserve_file_names).
type ModuleOptions struct {
	Rules []ModuleRule // the user's; DefaultModuleRules follow them
	// FindAdditional ships every file under BaseDir that a rule matches, so
	// that the worker can import it at run time by a path the bundler
	// cannot follow (wrangler's find_additional_modules).
	FindAdditional bool
	// BaseDir is the root those files are named from; default: the entry's
	// directory.
	BaseDir string
	// PreserveFileNames names an imported module by the path it is
	// imported with, not by its content hash.
	PreserveFileNames bool
	// Skip are files and directories never shipped: the config file, and
	// valet's own directory (.valet).
	Skip []string
}

// collector is the esbuild plugin that ships the files a rule matches as
// modules of their own, as wrangler's module collector does: an import of
// one stays an import (of "./<sha1>-<name>", or of the path as written
// with preserve_file_names), and the file goes beside the bundle.
type collector struct {
	opts  ModuleOptions
	rules parsedRules

	mu      sync.Mutex
	modules map[string]Module // by name
	found   map[string]bool   // absolute paths of the files found on disk
}

func newCollector(opts ModuleOptions, entry string) (*collector, error) {
	rules, err := parseRules(opts.Rules)
	if err != nil {
		return nil, err
	}
	if opts.BaseDir == "" {
		opts.BaseDir = filepath.Dir(entry)
	}
	return &collector{opts: opts, rules: rules}, nil
}

// skipResolve marks the resolution the collector asks esbuild for itself.
type skipResolve struct{}

func (c *collector) plugin(entry string) api.Plugin {
	return api.Plugin{Name: "valet-module-rules", Setup: func(b api.PluginBuild) {
		b.OnStart(func() (api.OnStartResult, error) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.modules, c.found = map[string]Module{}, map[string]bool{}
			if !c.opts.FindAdditional {
				return api.OnStartResult{}, nil
			}
			mods, err := findAdditional(c.opts, c.rules, entry)
			if err != nil {
				return api.OnStartResult{Errors: []api.Message{{Text: err.Error()}}}, nil
			}
			for _, m := range mods {
				c.modules[m.Name] = m
				c.found[m.Path] = true
			}
			return api.OnStartResult{}, nil
		})
		for _, r := range c.rules.rules {
			if r.isJS() && !c.opts.FindAdditional {
				// JavaScript is bundled unless it ships on its own.
				continue
			}
			for _, g := range r.Globs {
				b.OnResolve(api.OnResolveOptions{Filter: globRegexp(g, false)}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
					return c.resolve(b, r, args)
				})
			}
		}
		for _, r := range c.rules.removed {
			for _, g := range r.Globs {
				b.OnResolve(api.OnResolveOptions{Filter: globRegexp(g, false)}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
					if _, skip := args.PluginData.(skipResolve); skip {
						return api.OnResolveResult{}, nil
					}
					return api.OnResolveResult{}, fmt.Errorf("the file %s matched the module rule %s, which is ignored because an earlier rule of type %s does not say \"fallthrough\": true", args.Path, r, r.Type)
				})
			}
		}
	}}
}

func (c *collector) resolve(b api.PluginBuild, r ModuleRule, args api.OnResolveArgs) (api.OnResolveResult, error) {
	if _, skip := args.PluginData.(skipResolve); skip {
		return api.OnResolveResult{}, nil
	}
	// "./add.wasm?module" names the file add.wasm.
	clean, _, _ := strings.Cut(args.Path, "?")
	file := filepath.Join(args.ResolveDir, filepath.FromSlash(clean))
	c.mu.Lock()
	found := c.found[file]
	c.mu.Unlock()
	if found {
		// Shipped already: the import stays as written.
		return api.OnResolveResult{Path: clean, External: true}, nil
	}
	if r.isJS() {
		return api.OnResolveResult{}, nil // bundled
	}
	// A package's file ("pkg/data.wasm"), or a relative path esbuild
	// resolves the same way.
	if res := b.Resolve(clean, api.ResolveOptions{
		Kind: args.Kind, Importer: args.Importer, ResolveDir: args.ResolveDir, PluginData: skipResolve{},
	}); len(res.Errors) == 0 && res.Path != "" {
		file = res.Path
	}
	content, err := os.ReadFile(file)
	if err != nil {
		return api.OnResolveResult{}, fmt.Errorf("module %s (rule %s): %w", args.Path, r, err)
	}
	name := clean
	if !c.opts.PreserveFileNames {
		sum := sha1.Sum(content)
		name = "./" + hex.EncodeToString(sum[:]) + "-" + path.Base(clean)
	}
	modName, err := moduleName(name)
	if err != nil {
		return api.OnResolveResult{}, fmt.Errorf("module %s: %w", args.Path, err)
	}
	c.mu.Lock()
	c.modules[modName] = Module{Name: modName, Type: ruleModuleTypes[r.Type], Content: content, Path: file}
	c.mu.Unlock()
	return api.OnResolveResult{Path: name, External: true, WatchFiles: []string{file}}, nil
}

// result returns the modules collected by the last build, sorted by name.
func (c *collector) result() []Module {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Module, 0, len(c.modules))
	for _, m := range c.modules {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// moduleName is the name of a module relative to the bundle, as the runtime
// resolves "./x" from it: "./a/b.txt" is "a/b.txt". A name reaching above
// the bundle cannot be imported from it.
func moduleName(spec string) (string, error) {
	n := path.Clean(strings.TrimPrefix(spec, "./"))
	if n == "." || n == ".." || strings.HasPrefix(n, "../") || path.IsAbs(n) {
		return "", fmt.Errorf("its name %q is outside the worker's modules: import it by a path inside base_dir, or turn preserve_file_names off", spec)
	}
	return n, nil
}

// findAdditional walks BaseDir for the files the rules match, named by
// their path below it; the entry itself and opts.Skip are left out.
func findAdditional(opts ModuleOptions, rules parsedRules, entry string) ([]Module, error) {
	type matcher struct {
		re   *regexp.Regexp
		rule ModuleRule
	}
	var ms []matcher
	for _, r := range rules.rules {
		for _, g := range r.Globs {
			ms = append(ms, matcher{regexp.MustCompile(globRegexp(g, true)), r})
		}
	}
	skip := map[string]bool{entry: true}
	for _, s := range opts.Skip {
		skip[s] = true
	}
	var out []Module
	err := filepath.WalkDir(opts.BaseDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if skip[p] {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(opts.BaseDir, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		for _, m := range ms {
			if !m.re.MatchString(name) {
				continue
			}
			content, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			// The first rule that matches gives the type, as in wrangler.
			out = append(out, Module{Name: name, Type: ruleModuleTypes[m.rule.Type], Content: content, Path: p})
			break
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find_additional_modules in %s: %w", opts.BaseDir, err)
	}
	return out, nil
}
