package config

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// parseTOML reads wrangler.toml into nodes. The TOML decoder does not expose
// where keys are, so tomlIndex scans the (already valid) text for them.
func parseTOML(s *source) (*node, []Diagnostic) {
	var m map[string]any
	if _, err := toml.Decode(string(s.data), &m); err != nil {
		d := Diagnostic{File: s.file, Line: 1, Col: 1, Severity: SeverityError, Message: "invalid TOML: " + err.Error()}
		var pe toml.ParseError
		if errors.As(err, &pe) {
			d.Message = "invalid TOML: " + pe.Message
			if pe.Position.Line > 0 {
				d.Line, d.Col = pe.Position.Line, max(pe.Position.Col, 1)
			}
			d.Hint = strings.TrimSpace(pe.Usage)
		}
		return nil, []Diagnostic{d}
	}
	idx := newTOMLIndex(s.data)
	return idx.node(m, ""), nil
}

// tomlPos is where a key and its value start.
type tomlPos struct{ keyLine, keyCol, valLine, valCol int }

// tomlIndex maps paths (env.staging.vars.A, containers[0].image) to their
// positions in a TOML document.
type tomlIndex struct {
	data   []byte
	i      int
	line   int
	col    int // 1-based column of i, in characters
	pos    map[string]tomlPos
	arrays map[string]int // array-of-tables path → number of tables so far
}

func newTOMLIndex(data []byte) *tomlIndex {
	x := &tomlIndex{data: data, line: 1, col: 1, pos: map[string]tomlPos{}, arrays: map[string]int{}}
	x.scan()
	return x
}

// node converts a decoded TOML value at path into a node.
func (x *tomlIndex) node(v any, path string) *node {
	p := x.lookup(path)
	n := &node{line: p.valLine, col: p.valCol}
	switch v := v.(type) {
	case map[string]any:
		n.kind = kindObject
		for k, e := range v {
			kp := x.lookup(join(path, k))
			n.members = append(n.members, member{
				name: k,
				key:  &node{kind: kindString, str: k, line: kp.keyLine, col: kp.keyCol},
				val:  x.node(e, join(path, k)),
			})
		}
		// Go maps have no order: restore the file's, for stable diagnostics.
		sort.Slice(n.members, func(i, j int) bool {
			a, b := n.members[i].key, n.members[j].key
			if a.line != b.line {
				return a.line < b.line
			}
			if a.col != b.col {
				return a.col < b.col
			}
			return n.members[i].name < n.members[j].name
		})
	case []map[string]any:
		n.kind = kindArray
		for i, e := range v {
			n.elems = append(n.elems, x.node(e, index(path, i)))
		}
	case []any:
		n.kind = kindArray
		for i, e := range v {
			n.elems = append(n.elems, x.node(e, index(path, i)))
		}
	case string:
		n.kind, n.str = kindString, v
	case bool:
		n.kind, n.b = kindBool, v
	case int64:
		n.kind, n.str, n.num = kindNumber, strconv.FormatInt(v, 10), float64(v)
	case float64:
		n.kind, n.str, n.num = kindNumber, strconv.FormatFloat(v, 'g', -1, 64), v
	case time.Time:
		// An unquoted compatibility_date = 2025-06-01 is a TOML date;
		// take it as the string wrangler users mean.
		n.kind = kindString
		switch v.Location().String() {
		case "date-local":
			n.str = v.Format(time.DateOnly)
		case "time-local":
			n.str = v.Format("15:04:05")
		case "datetime-local":
			n.str = v.Format("2006-01-02T15:04:05")
		default:
			n.str = v.Format(time.RFC3339Nano)
		}
	}
	return n
}

// lookup returns the position of path, or of its closest known ancestor.
func (x *tomlIndex) lookup(path string) tomlPos {
	for {
		if p, ok := x.pos[path]; ok {
			return p
		}
		if path == "" {
			return tomlPos{1, 1, 1, 1}
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			path = ""
		} else {
			path = path[:i]
		}
	}
}

func (x *tomlIndex) peek(k int) byte {
	if x.i+k < len(x.data) {
		return x.data[x.i+k]
	}
	return 0
}

// advance moves to the next byte, keeping line and column (counted in
// characters, as UTF-8 continuation bytes do not start one).
func (x *tomlIndex) advance() {
	if x.i >= len(x.data) {
		x.i++
		return
	}
	switch c := x.data[x.i]; {
	case c == '\n':
		x.line++
		x.col = 1
	case c&0xC0 != 0x80:
		x.col++
	}
	x.i++
}

// skip passes blanks and comments, and newlines too when nl is set.
func (x *tomlIndex) skip(nl bool) {
	for x.i < len(x.data) {
		switch c := x.data[x.i]; {
		case c == ' ' || c == '\t' || c == '\r':
			x.advance()
		case c == '\n' && nl:
			x.advance()
		case c == '#':
			for x.i < len(x.data) && x.data[x.i] != '\n' {
				x.advance()
			}
		default:
			return
		}
	}
}

func (x *tomlIndex) scan() {
	table := ""
	for x.i < len(x.data) {
		x.skip(true)
		if x.i >= len(x.data) {
			return
		}
		line, col := x.line, x.col
		if x.peek(0) == '[' {
			array := x.peek(1) == '['
			x.advance()
			if array {
				x.advance()
			}
			keys := x.keyPath()
			for x.i < len(x.data) && x.data[x.i] != '\n' {
				x.advance()
			}
			table = x.resolve(keys, array)
			x.pos[table] = tomlPos{line, col, line, col}
			continue
		}
		start := x.i
		keys := x.keyPath()
		if x.peek(0) != '=' || x.i == start {
			x.advance() // not a key: move on rather than loop
			continue
		}
		x.advance()
		x.skip(false)
		x.value(x.dotted(table, keys, line, col), line, col)
	}
}

// dotted joins a dotted key (dev.port = 1) to base, recording the tables it
// implies (dev) at the key's position, and returns the full path.
func (x *tomlIndex) dotted(base string, keys []string, line, col int) string {
	path := base
	for i, k := range keys {
		path = join(path, k)
		if _, ok := x.pos[path]; !ok && i < len(keys)-1 {
			x.pos[path] = tomlPos{line, col, line, col}
		}
	}
	return path
}

// resolve turns a table header's keys into a path, indexing arrays of
// tables: [[a]] [[a.b]] is a[0].b[0].
func (x *tomlIndex) resolve(keys []string, array bool) string {
	path := ""
	for i, k := range keys {
		path = join(path, k)
		if i == len(keys)-1 && array {
			n := x.arrays[path]
			x.arrays[path] = n + 1
			if _, ok := x.pos[path]; !ok {
				x.pos[path] = tomlPos{x.line, 1, x.line, 1}
			}
			return index(path, n)
		}
		if n, ok := x.arrays[path]; ok {
			path = index(path, n-1)
		}
	}
	return path
}

// keyPath reads a dotted key (bare or quoted parts) and stops at '=', ']'
// or the end of the line.
func (x *tomlIndex) keyPath() []string {
	var keys []string
	for x.i < len(x.data) {
		x.skip(false)
		switch c := x.peek(0); c {
		case '"', '\'':
			start := x.i
			x.str()
			k := string(x.data[start:x.i])
			if u, err := strconv.Unquote(k); err == nil && c == '"' {
				k = u
			} else {
				k = strings.Trim(k, `'"`)
			}
			keys = append(keys, k)
		default:
			start := x.i
			for x.i < len(x.data) && isBareKey(x.data[x.i]) {
				x.advance()
			}
			if x.i == start {
				return keys
			}
			keys = append(keys, string(x.data[start:x.i]))
		}
		x.skip(false)
		if x.peek(0) != '.' {
			return keys
		}
		x.advance()
	}
	return keys
}

func isBareKey(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// value records the position of the value at path and of everything
// nested in it, then moves past it.
func (x *tomlIndex) value(path string, keyLine, keyCol int) {
	x.pos[path] = tomlPos{keyLine, keyCol, x.line, x.col}
	switch x.peek(0) {
	case '"', '\'':
		x.str()
	case '[':
		x.advance()
		for i := 0; x.i < len(x.data); i++ {
			x.skip(true)
			if c := x.peek(0); c == ']' || c == 0 {
				x.advance()
				return
			}
			x.value(index(path, i), x.line, x.col)
			x.skip(true)
			if x.peek(0) == ',' {
				x.advance()
			}
		}
	case '{':
		x.advance()
		for x.i < len(x.data) {
			x.skip(true)
			if c := x.peek(0); c == '}' || c == 0 {
				x.advance()
				return
			}
			line, col := x.line, x.col
			start := x.i
			keys := x.keyPath()
			if x.peek(0) != '=' || x.i == start {
				x.advance()
				continue
			}
			x.advance()
			x.skip(false)
			x.value(x.dotted(path, keys, line, col), line, col)
			x.skip(true)
			if x.peek(0) == ',' {
				x.advance()
			}
		}
	default:
		for x.i < len(x.data) {
			if c := x.data[x.i]; c == ',' || c == ']' || c == '}' || c == '\n' || c == '#' {
				return
			}
			x.advance()
		}
	}
}

// str moves past a basic, literal or multi-line string.
func (x *tomlIndex) str() {
	q := x.peek(0)
	if x.peek(1) == q && x.peek(2) == q {
		x.advance()
		x.advance()
		x.advance()
		for x.i < len(x.data) {
			if q == '"' && x.peek(0) == '\\' {
				x.advance()
				x.advance()
				continue
			}
			if x.peek(0) == q && x.peek(1) == q && x.peek(2) == q {
				// Up to two more quotes may belong to the content.
				for x.peek(3) == q {
					x.advance()
				}
				x.advance()
				x.advance()
				x.advance()
				return
			}
			x.advance()
		}
		return
	}
	x.advance()
	for x.i < len(x.data) && x.data[x.i] != '\n' {
		c := x.data[x.i]
		if q == '"' && c == '\\' {
			x.advance()
			x.advance()
			continue
		}
		x.advance()
		if c == q {
			return
		}
	}
}
