package scaffold

import (
	"fmt"
	"sort"
	"strings"
)

// Template is one app valet init can create: a directory of the embedded
// templates FS (package templates) plus what init needs to know about it.
type Template struct {
	Name        string
	Description string
	// Install reports whether the template has npm dependencies, so that
	// init offers `npm install` and lists it in the next steps.
	Install bool
	// Needs names the programs, beyond valet, that building the app runs;
	// init warns when one is not on PATH.
	Needs []string
}

// DefaultTemplate is the template used when none is chosen.
const DefaultTemplate = "container-app"

// Templates returns the built-in templates, the default first.
func Templates() []Template {
	return []Template{
		{
			Name:        "container-app",
			Description: "React frontend, worker, Durable Object and a container backend",
			Install:     true,
			Needs:       []string{"go"},
		},
		{
			Name:        "worker",
			Description: "A TypeScript worker with a few routes",
			Install:     true,
		},
		{
			Name:        "assets",
			Description: "A static site: HTML and CSS, no worker",
		},
	}
}

// LookupTemplate returns the built-in template called name. The error for an
// unknown name lists the templates and suggests the closest one.
func LookupTemplate(name string) (Template, error) {
	all := Templates()
	names := make([]string, 0, len(all))
	for _, t := range all {
		if t.Name == name {
			return t, nil
		}
		names = append(names, t.Name)
	}
	msg := fmt.Sprintf("unknown template %q", name)
	if s := closest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	sort.Strings(names)
	return Template{}, &InputError{Err: fmt.Errorf("%s (templates: %s)", msg, strings.Join(names, ", "))}
}

// closest returns the candidate nearest to s, or "" when none is near
// enough to be a plausible typo.
func closest(s string, candidates []string) string {
	best, bestDist := "", len(s)/2+2
	for _, c := range candidates {
		if strings.HasPrefix(c, s) && s != "" {
			return c
		}
		if d := levenshtein(s, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
