package edge

import (
	"strings"
	"testing"

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

func TestValidateRoutes(t *testing.T) {
	if err := ValidateRoutes([]string{"/api/*", "!/api/docs/*"}); err != nil {
		t.Errorf("valid rules: %v", err)
	}
	err := ValidateRoutes([]string{"api/*", "!api", "/x", "/x", "/" + strings.Repeat("a", 120)})
	if err == nil {
		t.Fatal("invalid rules accepted")
	}
	for _, want := range []string{`"api/*"`, `"!api"`, "duplicate", "longer than"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if err := ValidateRoutes([]string{"!/x"}); err == nil || !strings.Contains(err.Error(), "only negative") {
		t.Errorf("only negatives: %v", err)
	}
}
