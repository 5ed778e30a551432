package typegen

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

// dotenvLine is the line grammar of the dotenv npm package, which wrangler
// uses for .dev.vars and .env: `KEY=value`, `export KEY=value`, `KEY: value`,
// values quoted with ', " or ` possibly spanning lines, trailing # comments.
// Porting it keeps the key names valet sees identical to wrangler's; lines
// that do not match are ignored, as dotenv does.
var dotenvLine = regexp.MustCompile("(?m)^\\s*(?:export\\s+)?([\\w.-]+)(?:\\s*=\\s*?|:\\s+?)(\\s*'(?:\\\\'|[^'])*'|\\s*\"(?:\\\\\"|[^\"])*\"|\\s*`(?:\\\\`|[^`])*`|[^#\\r\\n]+)?\\s*(?:#.*)?$")

// secretSource is a file whose key names become `string` bindings. Values
// are never kept: only names leave this file.
type secretSource struct {
	Files []string // paths relative to the project directory, in read order
	Keys  []string // sorted, unique
}

// readSecretKeys returns the secret names for env ("" for the top level),
// following wrangler: `.dev.vars.<env>` or else `.dev.vars`; when neither
// exists, the .env files (`.env`, `.env.<env>`, `.env.local`,
// `.env.<env>.local`) together.
func readSecretKeys(dir, env string) (secretSource, error) {
	var devVars []string
	if env != "" {
		devVars = append(devVars, ".dev.vars."+env)
	}
	devVars = append(devVars, ".dev.vars")
	for _, name := range devVars {
		keys, ok, err := readKeys(filepath.Join(dir, name))
		if err != nil {
			return secretSource{}, err
		}
		if ok {
			return secretSource{Files: []string{name}, Keys: keys}, nil
		}
	}

	dotEnv := []string{".env"}
	if env != "" {
		dotEnv = append(dotEnv, ".env."+env)
	}
	dotEnv = append(dotEnv, ".env.local")
	if env != "" {
		dotEnv = append(dotEnv, ".env."+env+".local")
	}
	var src secretSource
	seen := map[string]bool{}
	for _, name := range dotEnv {
		keys, ok, err := readKeys(filepath.Join(dir, name))
		if err != nil {
			return secretSource{}, err
		}
		if !ok {
			continue
		}
		src.Files = append(src.Files, name)
		for _, k := range keys {
			if !seen[k] {
				seen[k] = true
				src.Keys = append(src.Keys, k)
			}
		}
	}
	sort.Strings(src.Keys)
	return src, nil
}

// readKeys returns the sorted key names of a dotenv file, and false when the
// file does not exist.
func readKeys(path string) ([]string, bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read secrets file %s: %w", path, err)
	}
	return dotenvKeys(string(data)), true, nil
}

// dotenvKeys returns the sorted, unique key names defined in dotenv text.
func dotenvKeys(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	seen := map[string]bool{}
	var keys []string
	for _, m := range dotenvLine.FindAllStringSubmatch(text, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			keys = append(keys, m[1])
		}
	}
	sort.Strings(keys)
	return keys
}
