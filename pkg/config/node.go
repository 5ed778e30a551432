package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/tailscale/hujson"
)

// kind is the JSON type of a node.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindObject
	kindArray
)

func (k kind) String() string {
	return [...]string{"null", "boolean", "number", "string", "object", "array"}[k]
}

// node is a parsed value with its place in the file. JSONC and TOML are both
// turned into nodes so that one decoder checks them against the Go types.
type node struct {
	kind kind
	// off is the byte offset of the value in the source (JSONC); TOML nodes
	// carry line and col instead, since the TOML decoder hides offsets.
	off       int
	line, col int

	str     string // a string's value, or a number's literal text
	b       bool
	num     float64
	members []member
	elems   []*node
}

// member is one key of an object; key holds the key's own position.
type member struct {
	name string
	key  *node
	val  *node
}

// source is the file being parsed: it turns node offsets into line:col.
type source struct {
	file  string
	data  []byte
	lines []int // offset of the start of each line, built on first use
}

// pos returns the 1-based line and column (in characters) of n.
func (s *source) pos(n *node) (int, int) {
	if n == nil {
		return 1, 1
	}
	if n.line > 0 {
		return n.line, max(n.col, 1)
	}
	return s.offsetPos(n.off)
}

func (s *source) offsetPos(off int) (int, int) {
	if s.lines == nil {
		s.lines = append(s.lines, 0)
		for i, c := range s.data {
			if c == '\n' {
				s.lines = append(s.lines, i+1)
			}
		}
	}
	off = min(max(off, 0), len(s.data))
	i := sort.Search(len(s.lines), func(i int) bool { return s.lines[i] > off }) - 1
	return i + 1, utf8.RuneCount(s.data[s.lines[i]:off]) + 1
}

// hujsonErrPos matches where hujson says its syntax error is.
var hujsonErrPos = regexp.MustCompile(`^hujson: line (\d+), column (\d+): (.*)$`)

// parseJSONC reads JSON with comments and trailing commas into nodes.
func parseJSONC(s *source) (*node, []Diagnostic) {
	v, err := hujson.Parse(s.data)
	if err != nil {
		d := Diagnostic{File: s.file, Line: 1, Col: 1, Severity: SeverityError,
			Message: "invalid JSON: " + err.Error(),
			Hint:    "check for a missing comma, quote or bracket just before this point"}
		if m := hujsonErrPos.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			byteCol, _ := strconv.Atoi(m[2])
			// hujson counts columns in bytes; report characters like
			// every other diagnostic.
			s.offsetPos(0)
			if line >= 1 && line <= len(s.lines) {
				d.Line, d.Col = s.offsetPos(s.lines[line-1] + byteCol - 1)
			}
			d.Message = "invalid JSON: " + m[3]
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			d.Hint = "the file ends too early: close every { and [ and finish the last value"
		}
		return nil, []Diagnostic{d}
	}
	return fromHuJSON(&v), nil
}

func fromHuJSON(v *hujson.Value) *node {
	n := &node{off: v.StartOffset}
	switch x := v.Value.(type) {
	case *hujson.Object:
		n.kind = kindObject
		n.members = make([]member, 0, len(x.Members))
		for i := range x.Members {
			m := &x.Members[i]
			name := ""
			if lit, ok := m.Name.Value.(hujson.Literal); ok {
				name = unquote(lit)
			}
			n.members = append(n.members, member{
				name: name,
				key:  &node{kind: kindString, off: m.Name.StartOffset, str: name},
				val:  fromHuJSON(&m.Value),
			})
		}
	case *hujson.Array:
		n.kind = kindArray
		n.elems = make([]*node, 0, len(x.Elements))
		for i := range x.Elements {
			n.elems = append(n.elems, fromHuJSON(&x.Elements[i]))
		}
	case hujson.Literal:
		switch x.Kind() {
		case 'n':
			n.kind = kindNull
		case 't', 'f':
			n.kind, n.b = kindBool, x.Bool()
		case '"':
			n.kind, n.str = kindString, unquote(x)
		default:
			n.kind, n.str = kindNumber, string(x)
			f, err := strconv.ParseFloat(n.str, 64)
			if err != nil && !math.IsInf(f, 0) {
				f = math.NaN()
			}
			n.num = f
		}
	}
	return n
}

// describe names a value for "expected X, got Y" messages: its type, and
// for a short scalar, the value itself.
func (n *node) describe() string {
	switch n.kind {
	case kindString:
		if len(n.str) <= 40 {
			return fmt.Sprintf("string %q", n.str)
		}
		return "a long string"
	case kindNumber:
		return "number " + n.str
	case kindBool:
		return "boolean " + strconv.FormatBool(n.b)
	case kindObject:
		return "object"
	case kindArray:
		return "array"
	}
	return "null"
}

// value converts n to the Go value encoding/json would produce for an any.
func (n *node) value() any {
	switch n.kind {
	case kindBool:
		return n.b
	case kindNumber:
		return n.num
	case kindString:
		return n.str
	case kindObject:
		m := make(map[string]any, len(n.members))
		for _, mb := range n.members {
			m[mb.name] = mb.val.value()
		}
		return m
	case kindArray:
		a := make([]any, 0, len(n.elems))
		for _, e := range n.elems {
			a = append(a, e.value())
		}
		return a
	}
	return nil
}

// unquote returns a JSON string's value. Most config strings have no
// escapes, and slicing them is much cheaper than hujson's json.Unmarshal.
func unquote(lit hujson.Literal) string {
	if len(lit) >= 2 && bytes.IndexByte(lit, '\\') < 0 && utf8.Valid(lit) {
		return string(lit[1 : len(lit)-1])
	}
	return lit.String()
}
