// Package devvars reads the secrets of local development: .dev.vars (or
// .dev.vars.<env>) and, when there is none, the .env files, with the same
// grammar and precedence as wrangler. Values never leave the process: they
// become env bindings of the worker and are never printed.
package devvars

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// line is the grammar of the dotenv npm package, which wrangler uses for
// .dev.vars and .env: `KEY=value`, `export KEY=value`, `KEY: value`, values
// quoted with ', " or ` possibly spanning lines, trailing # comments.
// Lines that do not match are ignored, as dotenv does.
var line = regexp.MustCompile("(?m)^\\s*(?:export\\s+)?([\\w.-]+)(?:\\s*=\\s*?|:\\s+?)(\\s*'(?:\\\\'|[^'])*'|\\s*\"(?:\\\\\"|[^\"])*\"|\\s*`(?:\\\\`|[^`])*`|[^#\\r\\n]+)?\\s*(?:#.*)?$")

// Vars are the secrets read for one environment.
type Vars struct {
	Files  []string          // files read, relative to the project directory, in order
	Values map[string]string // name → value; later files win
}

// Keys returns the sorted names.
func (v Vars) Keys() []string {
	keys := make([]string, 0, len(v.Values))
	for k := range v.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Files lists the files Load may read for env, in precedence order, so a
// watcher knows what to watch.
func Files(env string) []string {
	files := []string{".dev.vars"}
	if env != "" {
		files = append(files, ".dev.vars."+env)
	}
	files = append(files, ".env")
	if env != "" {
		files = append(files, ".env."+env)
	}
	files = append(files, ".env.local")
	if env != "" {
		files = append(files, ".env."+env+".local")
	}
	return files
}

// Load reads the secrets of dir for env ("" = top level): `.dev.vars.<env>`
// or else `.dev.vars`; when neither exists, `.env`, `.env.<env>`,
// `.env.local`, `.env.<env>.local` together, later ones winning.
func Load(dir, env string) (Vars, error) {
	var devVars []string
	if env != "" {
		devVars = append(devVars, ".dev.vars."+env)
	}
	devVars = append(devVars, ".dev.vars")
	for _, name := range devVars {
		vals, ok, err := readFile(filepath.Join(dir, name))
		if err != nil {
			return Vars{}, err
		}
		if ok {
			return Vars{Files: []string{name}, Values: vals}, nil
		}
	}
	out := Vars{Values: map[string]string{}}
	dotEnv := []string{".env"}
	if env != "" {
		dotEnv = append(dotEnv, ".env."+env)
	}
	dotEnv = append(dotEnv, ".env.local")
	if env != "" {
		dotEnv = append(dotEnv, ".env."+env+".local")
	}
	for _, name := range dotEnv {
		vals, ok, err := readFile(filepath.Join(dir, name))
		if err != nil {
			return Vars{}, err
		}
		if !ok {
			continue
		}
		out.Files = append(out.Files, name)
		for k, v := range vals {
			out.Values[k] = v
		}
	}
	return out, nil
}

func readFile(path string) (map[string]string, bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read secrets file %s: %w", path, err)
	}
	return Parse(string(data)), true, nil
}

// Parse returns the variables defined in dotenv text. As dotenv: quotes are
// removed, "\n" in double quotes becomes a newline, unquoted values are
// trimmed, and a later definition of a key wins.
func Parse(text string) map[string]string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	out := map[string]string{}
	for _, m := range line.FindAllStringSubmatch(text, -1) {
		v := strings.TrimSpace(m[2])
		if len(v) >= 2 {
			q := v[0]
			if (q == '"' || q == '\'' || q == '`') && v[len(v)-1] == q {
				v = v[1 : len(v)-1]
				if q == '"' {
					v = strings.ReplaceAll(v, `\n`, "\n")
					v = strings.ReplaceAll(v, `\r`, "\r")
				}
			}
		}
		out[m[1]] = v
	}
	return out
}
