package assets

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Limits of the _redirects file, as Cloudflare enforces them.
const (
	maxStaticRedirects  = 2000
	maxDynamicRedirects = 100
	maxRedirectLine     = 2000
)

// redirectRule is one line of _redirects: "from to [status]".
type redirectRule struct {
	pattern rulePattern
	to      string
	status  int
	line    int
}

// redirectRules is a parsed _redirects file. Static rules (no splat, no
// placeholder, before the first dynamic one) are looked up by exact path and
// win over dynamic rules, which are tried in file order.
type redirectRules struct {
	static  map[string]redirectRule
	dynamic []redirectRule
}

var (
	hasProtocol    = regexp.MustCompile(`^\w+://`)
	wildcardToIdx  = regexp.MustCompile(`/\*$`)
	toIndex        = regexp.MustCompile(`/index(\.html)?$`)
	permittedCodes = map[int]bool{200: true, 301: true, 302: true, 303: true, 307: true, 308: true}
)

// parseRedirects reads a _redirects file. htmlHandling matters because
// "/ /index.html" loops forever when html_handling strips /index.html.
func parseRedirects(content, htmlHandling string) (redirectRules, []string) {
	rules := redirectRules{static: map[string]redirectRule{}}
	var invalid []string
	bad := func(n int, format string, args ...any) {
		invalid = append(invalid, fmt.Sprintf("_redirects:%d: %s", n, fmt.Sprintf(format, args...)))
	}
	seen := map[string]bool{}
	staticAllowed := true
	for i, line := range strings.Split(content, "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if len(line) > maxRedirectLine {
			bad(n, "line longer than %d characters; ignored", maxRedirectLine)
			continue
		}
		tokens := strings.Fields(line)
		for j := 2; j < len(tokens); j++ {
			if strings.HasPrefix(tokens[j], "#") {
				tokens = tokens[:j]
				break
			}
		}
		if len(tokens) < 2 || len(tokens) > 3 {
			bad(n, "expected \"from to [status]\", got %d fields", len(tokens))
			continue
		}
		from, to, statusText := tokens[0], tokens[1], "302"
		if len(tokens) == 3 {
			statusText = tokens[2]
		}
		if err := validRulePath(from); err != nil {
			bad(n, "%v", err)
			continue
		}
		if !strings.HasPrefix(to, "/") && !hasProtocol.MatchString(to) {
			bad(n, "target %q must start with / or be an absolute URL", to)
			continue
		}
		status, err := strconv.Atoi(statusText)
		if err != nil || !permittedCodes[status] {
			bad(n, "status must be 200, 301, 302 (default), 303, 307 or 308, got %s", statusText)
			continue
		}
		relative := !hasProtocol.MatchString(to)
		if relative && (wildcardToIdx.MatchString(from) && toIndex.MatchString(to) ||
			strings.HasSuffix(from, "/") && toIndex.MatchString(to) && htmlHandling != HTMLNone) {
			bad(n, "%s -> %s loops forever (html_handling redirects /index.html back); remove it (not_found_handling = \"single-page-application\" does this job)", from, to)
			continue
		}
		if seen[from] {
			bad(n, "duplicate rule for %s; the first one wins", from)
			continue
		}
		if status == 200 && !relative {
			bad(n, "a 200 rewrite must point to a path on this site, got %s", to)
			continue
		}
		p, err := compileRulePattern(from)
		if err != nil {
			bad(n, "invalid pattern %q: %v", from, err)
			continue
		}
		r := redirectRule{pattern: p, to: to, status: status, line: n}
		if staticAllowed && p.re == nil {
			if len(rules.static) >= maxStaticRedirects {
				bad(n, "more than %d static rules; ignored", maxStaticRedirects)
				continue
			}
			rules.static[from] = r
		} else {
			staticAllowed = false
			if len(rules.dynamic) >= maxDynamicRedirects {
				bad(n, "more than %d dynamic rules; the rest of the file is ignored", maxDynamicRedirects)
				break
			}
			rules.dynamic = append(rules.dynamic, r)
		}
		seen[from] = true
	}
	return rules, invalid
}

// match returns the rule answering host+pathname and its target with
// placeholders filled in; relative targets get repeated slashes collapsed so
// a splat can never turn into a "//other-host" redirect.
func (rs redirectRules) match(host, pathname string) (status int, to string, ok bool) {
	var found *redirectRule
	var groups map[string]string
	withHost, okHost := rs.static["https://"+host+pathname]
	without, okPath := rs.static[pathname]
	switch {
	case okHost && okPath:
		if withHost.line < without.line {
			found = &withHost
		} else {
			found = &without
		}
	case okHost:
		found = &withHost
	case okPath:
		found = &without
	default:
		for i := range rs.dynamic {
			if g, ok := rs.dynamic[i].pattern.match(host, pathname); ok {
				found, groups = &rs.dynamic[i], g
				break
			}
		}
	}
	if found == nil {
		return 0, "", false
	}
	target := strings.TrimSpace(replacePlaceholders(found.to, groups))
	if !hasProtocol.MatchString(target) {
		for strings.Contains(target, "//") {
			target = strings.ReplaceAll(target, "//", "/")
		}
	}
	return found.status, target, true
}
