package bundle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// htmlEntry is one HTML entry, parsed: the tags valet bundles and where
// they sit in the source, so that the rest of the file is kept byte for
// byte when the tags are rewritten.
type htmlEntry struct {
	Rel     string // slash path relative to Root ("index.html")
	Abs     string
	Source  string    // after %ENV% replacement
	Scripts []htmlRef // <script type="module" src> of local files
	Styles  []htmlRef // <link rel="stylesheet" href> of local files
	HeadEnd int       // offset of </head>, -1 when absent
	BodyEnd int       // offset of </body>, -1 when absent
}

// htmlRef is a tag to replace: Source[Start:End] (the whole element).
type htmlRef struct {
	Start, End int
	File       string // absolute path of the referenced file
}

var htmlEnvRef = regexp.MustCompile(`%(\S+?)%`)

// parseHTMLEntry reads an HTML entry. URLs starting with "/" resolve
// against root (publicDir first, whose files are left alone, as Vite
// does), others against the HTML file's directory.
func parseHTMLEntry(root, publicDir, rel string, env map[string]string) (*htmlEntry, error) {
	abs := filepath.Join(root, filepath.FromSlash(rel))
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("frontend entry %s: %w (set frontend.entry in valet.jsonc to your HTML files)", rel, err)
	}
	src := htmlEnvRef.ReplaceAllStringFunc(string(data), func(m string) string {
		if v, ok := env[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
	e := &htmlEntry{Rel: filepath.ToSlash(rel), Abs: abs, Source: src, HeadEnd: -1, BodyEnd: -1}
	z := html.NewTokenizer(strings.NewReader(src))
	offset := 0
	var open *htmlRef // a module script waiting for its </script>
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		start := offset
		offset += len(z.Raw())
		tok := z.Token()
		switch {
		case tt == html.EndTagToken && tok.Data == "script" && open != nil:
			open.End = offset
			e.Scripts = append(e.Scripts, *open)
			open = nil
		case tt == html.EndTagToken && tok.Data == "head" && e.HeadEnd < 0:
			e.HeadEnd = start
		case tt == html.EndTagToken && tok.Data == "body":
			e.BodyEnd = start
		case tt == html.StartTagToken && tok.Data == "script":
			if attr(tok, "type") != "module" || !isLocalURL(attr(tok, "src")) {
				continue
			}
			file, err := e.resolve(root, publicDir, attr(tok, "src"))
			if err != nil {
				return nil, fmt.Errorf("%s:%d: <script src=%q>: %w", rel, lineAt(src, start), attr(tok, "src"), err)
			}
			if file == "" {
				continue
			}
			open = &htmlRef{Start: start, File: file}
		case (tt == html.StartTagToken || tt == html.SelfClosingTagToken) && tok.Data == "link":
			if !hasToken(attr(tok, "rel"), "stylesheet") || !isLocalURL(attr(tok, "href")) {
				continue
			}
			file, err := e.resolve(root, publicDir, attr(tok, "href"))
			if err != nil {
				return nil, fmt.Errorf("%s:%d: <link href=%q>: %w", rel, lineAt(src, start), attr(tok, "href"), err)
			}
			if file != "" {
				e.Styles = append(e.Styles, htmlRef{Start: start, End: offset, File: file})
			}
		}
	}
	if err := z.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse %s: %w", rel, err)
	}
	if open != nil {
		return nil, fmt.Errorf("%s:%d: <script> has no closing </script>", rel, lineAt(src, open.Start))
	}
	return e, nil
}

// resolve maps a URL of the HTML to a file; "" means a public file, left
// as it is.
func (e *htmlEntry) resolve(root, publicDir, u string) (string, error) {
	u, _, _ = strings.Cut(u, "?")
	u, _, _ = strings.Cut(u, "#")
	var file string
	if strings.HasPrefix(u, "/") {
		if publicDir != "" {
			if st, err := os.Stat(filepath.Join(publicDir, filepath.FromSlash(u))); err == nil && !st.IsDir() {
				return "", nil
			}
		}
		file = filepath.Join(root, filepath.FromSlash(u))
	} else {
		file = filepath.Join(filepath.Dir(e.Abs), filepath.FromSlash(u))
	}
	st, err := os.Stat(file)
	if err == nil && st.IsDir() {
		err = fs.ErrInvalid
	}
	if err != nil {
		return "", fmt.Errorf("%s: file not found", relTo(root, file))
	}
	return file, nil
}

// imports is the virtual module that stands for the HTML entry: what its
// tags load, in document order, as Vite's HTML plugin does.
func (e *htmlEntry) imports() string {
	var b strings.Builder
	refs := append(append([]htmlRef{}, e.Styles...), e.Scripts...)
	for _, r := range sortedRefs(refs) {
		// Relative, so that the module (and so the hashes) do not depend
		// on where the project sits on disk.
		rel, err := filepath.Rel(filepath.Dir(e.Abs), r.File)
		if err != nil {
			rel = r.File
		}
		rel = filepath.ToSlash(rel)
		if !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel) {
			rel = "./" + rel
		}
		fmt.Fprintf(&b, "import %q;\n", rel)
	}
	return b.String()
}

// htmlTags are the URLs that replace the bundled tags.
type htmlTags struct {
	Script   string   // entry chunk; empty when the HTML has no module script
	Preloads []string // chunks the entry imports statically
	Styles   []string // CSS of the entry and of its lazily loaded chunks
	Inject   string   // extra HTML before </body> (dev live reload)
}

// rewrite returns the HTML with the bundled tags replaced: the first
// module script becomes the entry chunk, the other bundled tags go, and
// preload and stylesheet links go before </head>, as in Vite's output.
func (e *htmlEntry) rewrite(t htmlTags) []byte {
	var links []string
	for _, p := range t.Preloads {
		links = append(links, fmt.Sprintf("<link rel=\"modulepreload\" crossorigin href=\"%s\">", html.EscapeString(p)))
	}
	for _, s := range t.Styles {
		links = append(links, fmt.Sprintf("<link rel=\"stylesheet\" crossorigin href=\"%s\">", html.EscapeString(s)))
	}
	type edit struct {
		at, end int
		text    string
	}
	var edits []edit
	for _, r := range sortedRefs(append(append([]htmlRef{}, e.Scripts...), e.Styles...)) {
		text := ""
		if t.Script != "" && len(e.Scripts) > 0 && r.Start == e.Scripts[0].Start {
			text = fmt.Sprintf("<script type=\"module\" crossorigin src=\"%s\"></script>", html.EscapeString(t.Script))
		}
		at, end := r.Start, r.End
		if text == "" {
			at, end = wholeLine(e.Source, at, end)
		}
		edits = append(edits, edit{at, end, text})
	}
	if len(links) > 0 {
		at := e.HeadEnd
		if at < 0 && len(edits) > 0 {
			at = edits[0].at // no </head>: before the first bundled tag
		}
		at = max(at, 0)
		text := strings.Join(links, "\n") + "\n"
		if e.HeadEnd >= 0 {
			indent := indentAt(e.Source, at)
			text = "  " + strings.Join(links, "\n"+indent+"  ") + "\n" + indent
		}
		edits = append(edits, edit{at, at, text})
	}
	if t.Inject != "" {
		at := e.BodyEnd
		if at < 0 {
			at = len(e.Source)
		}
		edits = append(edits, edit{at, at, t.Inject})
	}
	// At one offset, an insertion goes before the tag replaced there.
	slices.SortStableFunc(edits, func(a, b edit) int {
		if a.at != b.at {
			return a.at - b.at
		}
		return (a.end - a.at) - (b.end - b.at)
	})
	var out bytes.Buffer
	pos := 0
	for _, ed := range edits {
		if ed.at < pos {
			continue // overlapping: cannot happen with well-formed refs
		}
		out.WriteString(e.Source[pos:ed.at])
		out.WriteString(ed.text)
		pos = ed.end
	}
	out.WriteString(e.Source[pos:])
	return out.Bytes()
}

func attr(t html.Token, name string) string {
	for _, a := range t.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(strings.ToLower(list)) {
		if f == tok {
			return true
		}
	}
	return false
}

func isLocalURL(u string) bool {
	if u == "" || strings.HasPrefix(u, "//") {
		return false
	}
	if i := strings.Index(u, ":"); i > 0 && !strings.ContainsAny(u[:i], "/?#") {
		return false // a scheme: http:, https:, data:
	}
	return true
}

func lineAt(src string, offset int) int { return strings.Count(src[:offset], "\n") + 1 }

func sortedRefs(refs []htmlRef) []htmlRef {
	slices.SortFunc(refs, func(a, b htmlRef) int { return a.Start - b.Start })
	return refs
}

// wholeLine widens a removed tag to its whole line when nothing else is on
// it, so that no blank line is left behind.
func wholeLine(src string, start, end int) (int, int) {
	ls := start
	for ls > 0 && (src[ls-1] == ' ' || src[ls-1] == '\t') {
		ls--
	}
	le := end
	for le < len(src) && (src[le] == ' ' || src[le] == '\t' || src[le] == '\r') {
		le++
	}
	if (ls == 0 || src[ls-1] == '\n') && le < len(src) && src[le] == '\n' {
		return ls, le + 1
	}
	return start, end
}

// indentAt is the whitespace that precedes offset on its line.
func indentAt(src string, offset int) string {
	ls := offset
	for ls > 0 && (src[ls-1] == ' ' || src[ls-1] == '\t') {
		ls--
	}
	if ls > 0 && src[ls-1] != '\n' {
		return ""
	}
	return src[ls:offset]
}
