package workerd

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// npmConfig is the part of npm's configuration valet reads to fetch
// workerd: the registry for @cloudflare packages and its credentials.
type npmConfig struct {
	registry string            // default registry URL, with a trailing slash
	scoped   map[string]string // "@scope" -> registry URL
	auth     map[string]string // "//host/path/:key" -> value (_authToken, _auth, username, _password)
	// The network settings npm reads: its proxies (the environment's
	// HTTPS_PROXY and NO_PROXY otherwise), and a CA file for a registry
	// behind a TLS-inspecting proxy.
	httpsProxy, proxy, noProxy, cafile string
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
		case k == "https-proxy":
			first(&c.httpsProxy, v)
		case k == "proxy":
			first(&c.proxy, v)
		case k == "noproxy":
			first(&c.noProxy, v)
		case k == "cafile":
			first(&c.cafile, v)
		}
	}
	for _, k := range []string{"registry", "https-proxy", "proxy", "noproxy", "cafile"} {
		name := "npm_config_" + strings.ReplaceAll(k, "-", "_")
		for _, n := range []string{name, strings.ToUpper(name)} {
			if v := getenv(n); v != "" {
				set(k, v)
			}
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

func first(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
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
		if !strings.HasPrefix(target, prefix) || len(prefix) < best {
			continue
		}
		switch key {
		case "_authToken":
			// A token wins over a password for the same prefix, as in npm.
			best, header = len(prefix), "Bearer "+v
		case "_auth":
			if len(prefix) > best {
				best, header = len(prefix), "Basic "+v
			}
		case "username":
			// npm keeps the password base64-encoded in _password.
			pw, err := base64.StdEncoding.DecodeString(c.auth[prefix+":_password"])
			if err == nil && len(pw) > 0 && len(prefix) > best {
				best, header = len(prefix), "Basic "+base64.StdEncoding.EncodeToString([]byte(v+":"+string(pw)))
			}
		}
	}
	return header
}

// client is an HTTP client with npm's proxies and CA file; the
// environment's HTTPS_PROXY and NO_PROXY apply when npm sets no proxy.
func (c *npmConfig) client() (*http.Client, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if c.httpsProxy != "" || c.proxy != "" {
		https := c.httpsProxy
		if https == "" {
			https = c.proxy
		}
		pf := (&httpproxy.Config{HTTPSProxy: https, HTTPProxy: c.proxy, NoProxy: c.noProxy}).ProxyFunc()
		t.Proxy = func(r *http.Request) (*url.URL, error) { return pf(r.URL) }
	}
	if c.cafile != "" {
		pem, err := os.ReadFile(c.cafile)
		if err != nil {
			return nil, fmt.Errorf("npm cafile: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("npm cafile %s: no PEM certificate in it", c.cafile)
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: t, Timeout: 10 * time.Minute}, nil
}
