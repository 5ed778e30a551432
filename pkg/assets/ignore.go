package assets

import (
	"regexp"
	"strings"
)

// Root-level files that configure the assets and are never served, unless
// .assetsignore re-includes them with "!" (as wrangler allows).
const (
	headersFile      = "_headers"
	redirectsFile    = "_redirects"
	assetsIgnoreFile = ".assetsignore"
)

// ignoreRule is one line of .assetsignore, in .gitignore syntax.
type ignoreRule struct {
	re      *regexp.Regexp
	negate  bool
	dirOnly bool
}

// ignoreList decides which files of the directory are not assets.
type ignoreList []ignoreRule

// parseIgnore reads .assetsignore content, after wrangler's defaults.
func parseIgnore(content string) ignoreList {
	lines := append([]string{"/" + assetsIgnoreFile, "/" + redirectsFile, "/" + headersFile},
		strings.Split(content, "\n")...)
	var list ignoreList
	for _, line := range lines {
		line = strings.TrimRight(line, " \t\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var r ignoreRule
		if strings.HasPrefix(line, "!") {
			r.negate = true
			line = line[1:]
		} else if strings.HasPrefix(line, `\`) {
			line = line[1:]
		}
		if strings.HasSuffix(line, "/") {
			r.dirOnly = true
			line = strings.TrimRight(line, "/")
		}
		if line == "" {
			continue
		}
		anchored := strings.Contains(line, "/")
		line = strings.TrimPrefix(line, "/")
		prefix := "^(?:.*/)?"
		if anchored {
			prefix = "^"
		}
		re, err := regexp.Compile(prefix + globToRegexp(line) + "$")
		if err != nil {
			continue
		}
		r.re = re
		list = append(list, r)
	}
	return list
}

// globToRegexp translates a .gitignore glob: "*" and "?" stay within one
// segment, "**" crosses segments, "[...]" is a class.
func globToRegexp(g string) string {
	var b strings.Builder
	for i := 0; i < len(g); i++ {
		c := g[i]
		switch {
		case strings.HasPrefix(g[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(g[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			j := strings.IndexByte(g[i+1:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := g[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		case c == '\\' && i+1 < len(g):
			i++
			b.WriteString(regexp.QuoteMeta(string(g[i])))
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}

// ignored reports whether rel (slash-separated, relative to the directory)
// is excluded; the last matching line wins, as in .gitignore.
func (l ignoreList) ignored(rel string, isDir bool) bool {
	out := false
	for _, r := range l {
		if r.dirOnly && !isDir {
			continue
		}
		if r.re.MatchString(rel) {
			out = !r.negate
		}
	}
	return out
}
