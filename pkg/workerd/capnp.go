package workerd

import (
	"fmt"
	"sort"
	"strings"
)

// capnp text is written through this small builder rather than templates:
// every value that comes from the user (names, vars, paths) passes through
// quote, so a var holding `")` cannot end a string and add config.

// quote returns s as a Cap'n Proto text literal. The format's escapes are
// C's; bytes outside printable ASCII are written as \xNN so that the file
// stays ASCII whatever the text holds (Cap'n Proto decodes them back to the
// same UTF-8 bytes).
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 || c >= 0x7f {
				fmt.Fprintf(&b, `\x%02x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// field is one `name = value` of a struct literal; value is already capnp.
type field struct{ name, value string }

// Struct is a capnp struct literal under construction. Fields keep the
// order they were set in, so the output is stable for golden tests.
type Struct struct{ fields []field }

// Set adds name = value, value being capnp text (see Text, List, ...).
func (s *Struct) Set(name, value string) *Struct {
	s.fields = append(s.fields, field{name, value})
	return s
}

// Text sets a text field.
func (s *Struct) Text(name, v string) *Struct { return s.Set(name, quote(v)) }

// Bool sets a boolean field.
func (s *Struct) Bool(name string, v bool) *Struct { return s.Set(name, fmt.Sprint(v)) }

// Void sets a Void member of a union, e.g. `inMemory = void`.
func (s *Struct) Void(name string) *Struct { return s.Set(name, "void") }

// String renders the literal.
func (s *Struct) String() string {
	parts := make([]string, len(s.fields))
	for i, f := range s.fields {
		parts[i] = f.name + " = " + f.value
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// List renders a capnp list of already rendered items.
func List(items ...string) string { return "[" + strings.Join(items, ", ") + "]" }

// Texts renders a list of texts.
func Texts(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = quote(v)
	}
	return List(q...)
}

// NewStruct starts a struct literal.
func NewStruct() *Struct { return &Struct{} }

// sortedKeys returns m's keys in order, for stable output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Quote returns s as a Cap'n Proto text literal.
func Quote(s string) string { return quote(s) }

// TextBinding is a text binding (a var).
func TextBinding(name, value string) Binding {
	return Binding{Name: name, Member: "text", Value: quote(value)}
}

// EnvBinding is a text binding whose value workerd reads from its
// environment variable env (Config.Env): a secret, which is then in no file.
func EnvBinding(name, env string) Binding {
	return Binding{Name: name, Member: "fromEnvironment", Value: quote(env)}
}
