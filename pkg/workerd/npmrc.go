package workerd

import (
	"bufio"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// npmConfig is the part of npm's configuration valet reads to fetch
// workerd: the registry for @cloudflare packages and its credentials.
type npmConfig struct {
	registry string            // default registry URL, with a trailing slash
	scoped   map[string]string // "@scope" -> registry URL
	auth     map[string]string // "//host/path/:key" -> value (_authToken, _auth)
}

// defaultRegistry is npm's own default.
const defaultRegistry = "https://registry.npmjs.org/"

// loadNPMConfig reads npm's configuration in npm's order of precedence:
// environment, the project's .npmrc, the user's, then the global one.
// Later sources only fill what earlier ones left unset.
func loadNPMConfig(projectDir string, getenv func(string) string) *npmConfig {
	c := &npmConfig{scoped: map[string]string{}, auth: map[string]string{}}
	set := func(k, v string) {
		v = expandEnv(strings.TrimSpace(v), getenv)
		switch {
		case k == "registry":
			if c.registry == "" {
				c.registry = v
			}
		case strings.HasPrefix(k, "@") && strings.HasSuffix(k, ":registry"):
			scope := strings.TrimSuffix(k, ":registry")
			if _, ok := c.scoped[scope]; !ok {
				c.scoped[scope] = v
			}
		case strings.HasPrefix(k, "//"):
			if _, ok := c.auth[k]; !ok {
				c.auth[k] = v
			}
		}
	}
	for _, name := range []string{"npm_config_registry", "NPM_CONFIG_REGISTRY"} {
		if v := getenv(name); v != "" {
			set("registry", v)
		}
	}
	var files []string
	if projectDir != "" {
		if abs, err := filepath.Abs(projectDir); err == nil {
			// npm reads the .npmrc of the project root: the nearest
			// directory with a package.json, or the directory itself.
			files = append(files, filepath.Join(projectRoot(abs), ".npmrc"))
		}
	}
	if f := getenv("NPM_CONFIG_USERCONFIG"); f != "" {
		files = append(files, f)
	} else if home := getenv("HOME"); home != "" {
		files = append(files, filepath.Join(home, ".npmrc"))
	}
	if f := getenv("NPM_CONFIG_GLOBALCONFIG"); f != "" {
		files = append(files, f)
	} else if prefix := getenv("PREFIX"); prefix != "" {
		files = append(files, filepath.Join(prefix, "etc", "npmrc"))
	} else {
		files = append(files, "/usr/local/etc/npmrc", "/etc/npmrc")
	}
	for _, f := range files {
		readNPMRC(f, set)
	}
	if c.registry == "" {
		c.registry = defaultRegistry
	}
	return c
}

func projectRoot(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "package.json")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

func readNPMRC(path string, set func(k, v string)) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
		}
		set(strings.TrimSpace(k), v)
	}
}

// expandEnv replaces ${NAME} as npm does in .npmrc values.
func expandEnv(s string, getenv func(string) string) string {
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return s
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			return s
		}
		s = s[:i] + getenv(s[i+2:i+j]) + s[i+j+1:]
	}
}

// registryFor is the registry of a package name ("@cloudflare/x").
func (c *npmConfig) registryFor(pkg string) string {
	reg := c.registry
	if scope, _, ok := strings.Cut(pkg, "/"); ok && strings.HasPrefix(scope, "@") {
		if r, ok := c.scoped[scope]; ok && r != "" {
			reg = r
		}
	}
	if !strings.HasSuffix(reg, "/") {
		reg += "/"
	}
	return reg
}

// authHeader is the Authorization header for a URL, from the credentials
// npm keys by "//host/path/:" prefix: the longest matching prefix wins.
func (c *npmConfig) authHeader(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	target := "//" + u.Host + u.Path
	best, header := -1, ""
	for k, v := range c.auth {
		i := strings.LastIndex(k, ":")
		if i < 0 {
			continue
		}
		prefix, key := k[:i], k[i+1:]
		if !strings.HasPrefix(target, prefix) || len(prefix) <= best {
			continue
		}
		switch key {
		case "_authToken":
			best, header = len(prefix), "Bearer "+v
		case "_auth":
			best, header = len(prefix), "Basic "+v
		}
	}
	return header
}
