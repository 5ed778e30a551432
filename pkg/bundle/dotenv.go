package bundle

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// envPrefixes are the variables exposed to client code, like Vite's
// envPrefix (VITE_) plus valet's own.
var envPrefixes = []string{"VITE_", "VALET_PUBLIC_"}

func exposed(key string) bool {
	for _, p := range envPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// envFiles are read in this order, a later file overriding an earlier one,
// as Vite does.
func envFiles(root, mode string) []string {
	return []string{
		filepath.Join(root, ".env"),
		filepath.Join(root, ".env.local"),
		filepath.Join(root, ".env."+mode),
		filepath.Join(root, ".env."+mode+".local"),
	}
}

// loadClientEnv returns the exposed variables from the .env files of root
// and from process (which wins, as in Vite), and the .env files it read.
func loadClientEnv(root, mode string, process map[string]string) (map[string]string, []string, error) {
	all := map[string]string{}
	var read []string
	for _, f := range envFiles(root, mode) {
		data, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", f, err)
		}
		vars, err := parseDotenv(relTo(root, f), string(data), func(k string) (string, bool) {
			if v, ok := process[k]; ok {
				return v, true
			}
			v, ok := all[k]
			return v, ok
		})
		if err != nil {
			return nil, nil, err
		}
		for k, v := range vars {
			all[k] = v
		}
		read = append(read, f)
	}
	for k, v := range process {
		all[k] = v
	}
	out := map[string]string{}
	for k, v := range all {
		if exposed(k) {
			out[k] = v
		}
	}
	return out, read, nil
}

var dotenvKey = regexp.MustCompile(`^\s*(?:export\s+)?([\w.-]+)\s*(?:=|:\s)\s*`)

// parseDotenv reads dotenv syntax as the dotenv package (used by Vite)
// does: KEY=value, `export`, # comments, '…' literal, "…" with \n escapes
// and `…`, quoted values spanning lines; then expands $VAR and ${VAR:-def}
// in values not single-quoted, as dotenv-expand does.
func parseDotenv(name, src string, lookup func(string) (string, bool)) (map[string]string, error) {
	out := map[string]string{}
	src = strings.ReplaceAll(src, "\r\n", "\n")
	line := 0
	for src != "" {
		line++
		var cur string
		cur, src, _ = strings.Cut(src, "\n")
		m := dotenvKey.FindStringSubmatch(cur)
		if m == nil {
			if t := strings.TrimSpace(cur); t != "" && !strings.HasPrefix(t, "#") {
				return nil, fmt.Errorf("%s:%d: expected KEY=value, found %q", name, line, t)
			}
			continue
		}
		key, rest := m[1], cur[len(m[0]):]
		if rest != "" && strings.ContainsRune(`'"`+"`", rune(rest[0])) {
			q := rest[0]
			body := rest[1:]
			// A quoted value may span lines until its closing quote.
			for !hasClosingQuote(body, q) && src != "" {
				var next string
				next, src, _ = strings.Cut(src, "\n")
				line++
				body += "\n" + next
			}
			end := closingQuote(body, q)
			if end < 0 {
				return nil, fmt.Errorf("%s:%d: value of %s has no closing %c", name, line, key, q)
			}
			val := body[:end]
			switch q {
			case '"':
				val = strings.NewReplacer(`\n`, "\n", `\r`, "\r", `\"`, `"`).Replace(val)
				val = expandEnv(val, lookup, out)
			case '`':
				val = expandEnv(val, lookup, out)
			}
			out[key] = val
			continue
		}
		if i := strings.Index(rest, " #"); i >= 0 {
			rest = rest[:i]
		} else if strings.HasPrefix(rest, "#") {
			rest = ""
		}
		out[key] = expandEnv(strings.TrimSpace(rest), lookup, out)
	}
	return out, nil
}

func closingQuote(s string, q byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == q {
			return i
		}
	}
	return -1
}

func hasClosingQuote(s string, q byte) bool { return closingQuote(s, q) >= 0 }

var envRef = regexp.MustCompile(`\\?\$(?:\{([A-Za-z_][\w.]*)(?::?-([^}]*))?\}|([A-Za-z_]\w*))`)

func expandEnv(val string, lookup func(string) (string, bool), local map[string]string) string {
	return envRef.ReplaceAllStringFunc(val, func(ref string) string {
		if strings.HasPrefix(ref, `\`) {
			return ref[1:]
		}
		m := envRef.FindStringSubmatch(ref)
		name := m[1] + m[3]
		if v, ok := lookup(name); ok {
			return v
		}
		if v, ok := local[name]; ok {
			return v
		}
		return m[2]
	})
}
