package edge

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/valet-dev/valet/pkg/config"
)

func TestGlobMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"/api/*", "/api/x", true},
		{"/api/*", "/api/x/y", true},
		{"/api/*", "/api/", true},
		{"/api/*", "/api", false},
		{"/api/*", "/apix/y", false},
		{"/api", "/api", true},
		{"/api", "/api/", false},
		{"/*.js", "/a/b/c.js", true},
		{"/*.js", "/a.json", false},
		{"/a*b*c", "/aXbYc", true},
		{"/a*b*c", "/aXbY", false},
		{"*", "", true},
		{"/", "/", true},
		{"/x.y", "/xzy", false}, // "." is literal
		{"/a**b", "/ab", true},
	} {
		if got := globMatch(c.pattern, c.s); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

func TestRoutesDecide(t *testing.T) {
	r := NewRoutes(config.RunWorkerFirst{Routes: []string{"/api/*", "!/api/public/*", "/auth"}})
	for path, want := range map[string]Decision{
		"/api/users":       WorkerFirst,
		"/api/public/logo": AssetsOnly,
		"/auth":            WorkerFirst,
		"/auth/x":          Default,
		"/":                Default,
	} {
		if got := r.Decide(path); got != want {
			t.Errorf("Decide(%s) = %v, want %v", path, got, want)
		}
	}
	if NewRoutes(config.RunWorkerFirst{All: true}).Decide("/x") != WorkerFirst {
		t.Errorf("run_worker_first = true does not send everything to the worker")
	}
	if (Routes{}).Decide("/x") != Default {
		t.Errorf("no rules is not Default")
	}
}

// FuzzGlobMatch checks the matcher against the regular expression
// Cloudflare builds for the same rule ("*" becomes ".*", the rest literal).
func FuzzGlobMatch(f *testing.F) {
	f.Add("/api/*", "/api/x/y")
	f.Add("/*.js", "/a/b.js")
	f.Add("/a*b*c*", "/aabbcc")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if len(pattern) > 64 || len(s) > 256 || strings.ContainsAny(pattern+s, "\n") || !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			return
		}
		parts := strings.Split(pattern, "*")
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		re := regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
		if got, want := globMatch(pattern, s), re.MatchString(s); got != want {
			t.Fatalf("globMatch(%q, %q) = %v, regexp says %v", pattern, s, got, want)
		}
	})
}
