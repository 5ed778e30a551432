package assets

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// Limits of the _headers file, as Cloudflare enforces them.
const (
	maxHeaderRules      = 100
	maxHeaderLineLength = 2000
)

// headerRule is one path block of _headers: headers to set and to remove.
type headerRule struct {
	pattern rulePattern
	set     [][2]string // name (lower case), value; in file order
	unset   []string
}

// headerRules is a parsed _headers file.
type headerRules []headerRule

var lineIsPath = regexp.MustCompile(`^([^\s]+://|/)`)

// parseHeaders reads a _headers file (Cloudflare Pages/Workers format):
//
//	/path/*
//	  Name: value
//	  ! Name-To-Remove
//
// Invalid lines are skipped and reported, each with its line number.
func parseHeaders(content string) (headerRules, []string) {
	var (
		rules   headerRules
		invalid []string
		cur     *headerRule
		curLine int
	)
	bad := func(n int, format string, args ...any) {
		invalid = append(invalid, fmt.Sprintf("_headers:%d: %s", n, fmt.Sprintf(format, args...)))
	}
	flush := func() {
		if cur == nil {
			return
		}
		if len(cur.set) == 0 && len(cur.unset) == 0 {
			bad(curLine, "no headers under %s; add \"Name: value\" lines indented below it", cur.pattern.raw)
		} else {
			rules = append(rules, *cur)
		}
		cur = nil
	}
	lines := strings.Split(content, "\n")
	for i, line := range lines {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if len(line) > maxHeaderLineLength {
			bad(n, "line longer than %d characters; ignored", maxHeaderLineLength)
			continue
		}
		if lineIsPath.MatchString(line) {
			flush()
			if len(rules) >= maxHeaderRules {
				bad(n, "more than %d rules; the rest of the file is ignored", maxHeaderRules)
				return rules, invalid
			}
			if err := validRulePath(line); err != nil {
				bad(n, "%v", err)
				continue
			}
			p, err := compileRulePattern(line)
			if err != nil {
				bad(n, "invalid path pattern %q: %v", line, err)
				continue
			}
			cur, curLine = &headerRule{pattern: p}, n
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			if cur != nil && strings.HasPrefix(line, "!") {
				cur.unset = append(cur.unset, strings.TrimSpace(line[1:]))
			} else if cur == nil {
				bad(n, "expected a path beginning with / before %q", line)
			} else {
				bad(n, "expected \"Name: value\" or \"! Name\", got %q", line)
			}
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		switch {
		case strings.ContainsAny(name, " \t"):
			bad(n, "header name %q contains spaces", name)
		case name == "":
			bad(n, "no header name before the colon")
		case value == "":
			bad(n, "no value for header %s", name)
		case cur == nil:
			bad(n, "header %s comes before any path; put a path line above it", name)
		default:
			merged := false
			for j := range cur.set {
				if cur.set[j][0] == name {
					cur.set[j][1] += ", " + value
					merged = true
				}
			}
			if !merged {
				cur.set = append(cur.set, [2]string{name, value})
			}
		}
	}
	flush()
	return rules, invalid
}

// validRulePath accepts "/path" and "https://host/path", the forms
// Cloudflare accepts in _headers and _redirects.
func validRulePath(p string) error {
	switch {
	case strings.HasPrefix(p, "/"):
		return nil
	case strings.HasPrefix(p, "https://"), strings.HasPrefix(p, "http://"):
		rest := p[strings.Index(p, "://")+3:]
		if rest == "" || rest[0] == '/' {
			return fmt.Errorf("%q has no host", p)
		}
		return nil
	}
	return fmt.Errorf("%q must start with / or https://", p)
}

// apply runs the matching rules in order on h: removals first within a
// rule, the first set of a name replaces, later ones append.
func (rs headerRules) apply(h http.Header, host, pathname string) {
	if len(rs) == 0 {
		return
	}
	var seen map[string]bool
	for _, r := range rs {
		groups, ok := r.pattern.match(host, pathname)
		if !ok {
			continue
		}
		for _, name := range r.unset {
			h.Del(name)
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		for _, kv := range r.set {
			v := replacePlaceholders(kv[1], groups)
			if seen[kv[0]] {
				h.Add(kv[0], v)
			} else {
				h.Set(kv[0], v)
				seen[kv[0]] = true
			}
		}
	}
}
