package assets

import (
	"regexp"
	"strings"
)

// rulePattern is the path (or https://host/path) of a _headers or _redirects
// rule: "*" is a splat, ":name" a placeholder for one segment (one label in
// the host), everything else literal, the whole anchored.
type rulePattern struct {
	raw       string
	crossHost bool           // the pattern starts with https:// and matches host+path
	re        *regexp.Regexp // nil for a static pattern, compared as a string
}

func compileRulePattern(raw string) (rulePattern, error) {
	p := rulePattern{raw: raw, crossHost: strings.HasPrefix(raw, "https://")}
	if !strings.Contains(raw, "*") && !placeholderRe.MatchString(raw) {
		return p, nil
	}
	hostEnd := 0
	if p.crossHost {
		hostEnd = len("https://")
		if i := strings.IndexByte(raw[hostEnd:], '/'); i >= 0 {
			hostEnd += i
		} else {
			hostEnd = len(raw)
		}
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '*' {
			b.WriteString("(?P<splat>.*)")
			continue
		}
		if c == ':' && i+1 < len(raw) && isLetter(raw[i+1]) {
			j := i + 2
			for j < len(raw) && isWordByte(raw[j]) {
				j++
			}
			class := "[^/]+"
			if i < hostEnd {
				class = "[^/.]+"
			}
			b.WriteString("(?P<" + raw[i+1:j] + ">" + class + ")")
			i = j - 1
			continue
		}
		b.WriteString(regexp.QuoteMeta(string(c)))
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return p, err
	}
	p.re = re
	return p, nil
}

var placeholderRe = regexp.MustCompile(`:[A-Za-z]\w*`)

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isWordByte(c byte) bool { return isLetter(c) || '0' <= c && c <= '9' || c == '_' }

// match tests the pattern against a request's host and encoded pathname and
// returns the placeholder values (nil map for a static pattern).
func (p rulePattern) match(host, pathname string) (map[string]string, bool) {
	subject := pathname
	if p.crossHost {
		subject = "https://" + host + pathname
	}
	if p.re == nil {
		return nil, subject == p.raw
	}
	m := p.re.FindStringSubmatchIndex(subject)
	if m == nil {
		return nil, false
	}
	// An empty capture is a value: "/about/*" matching "/about/" makes
	// :splat "", as in Cloudflare's replacer.
	groups := make(map[string]string, len(m)/2)
	for i, name := range p.re.SubexpNames() {
		if name != "" && m[2*i] >= 0 {
			groups[name] = subject[m[2*i]:m[2*i+1]]
		}
	}
	return groups, true
}

// replacePlaceholders substitutes ":name" with its captured value, whole
// names only (":id" never eats into ":id_2"); unknown names stay as written.
func replacePlaceholders(s string, groups map[string]string) string {
	if len(groups) == 0 || !strings.Contains(s, ":") {
		return s
	}
	return placeholderRe.ReplaceAllStringFunc(s, func(tok string) string {
		if v, ok := groups[tok[1:]]; ok {
			return v
		}
		return tok
	})
}
