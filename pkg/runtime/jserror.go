package runtime

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// JSError is a JavaScript exception seen from Go: its message and its stack,
// already mapped to the original sources.
type JSError struct {
	Name    string
	Message string
	Stack   string // "    at fn (worker/index.ts:12:11)" lines
}

func (e *JSError) Error() string {
	if e.Name == "" {
		return e.Message
	}
	return e.Name + ": " + e.Message
}

// String is the message followed by the stack, as a worker's 500 shows it.
func (e *JSError) String() string {
	if e.Stack == "" {
		return e.Error()
	}
	return e.Error() + "\n" + e.Stack
}

// framePos is a position in a goja stack frame, with goja's bytecode offset:
// "file.js:1:22(3)".
var framePos = regexp.MustCompile(`([^\s()]+):(\d+):(\d+)\(\d+\)`)

// mappedSources lists the original files of a source map. goja reports
// their columns 0-based (as the map stores them); V8 and editors count from 1.
func mappedSources(sourceMap []byte) map[string]bool {
	var m struct {
		Sources []string `json:"sources"`
	}
	if json.Unmarshal(sourceMap, &m) != nil {
		return nil
	}
	out := make(map[string]bool, len(m.Sources))
	for _, s := range m.Sources {
		out[s] = true
	}
	return out
}

// cleanStack turns goja's stack lines into V8's style: "    at f (file:l:c)".
func (p *Pool) cleanStack(s string) string {
	s = framePos.ReplaceAllStringFunc(s, func(m string) string {
		g := framePos.FindStringSubmatch(m)
		col := g[3]
		if p != nil && p.mapped[g[1]] {
			n, _ := strconv.Atoi(col)
			col = strconv.Itoa(n + 1)
		}
		return g[1] + ":" + g[2] + ":" + col
	})
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "\tat ") {
			lines[i] = "    at " + strings.TrimPrefix(l, "\tat ")
		}
	}
	return strings.Join(lines, "\n")
}

// jsError converts a thrown JS value.
func (iso *Isolate) jsError(v goja.Value) *JSError {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return &JSError{Message: "undefined"}
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		return &JSError{Message: v.String()}
	}
	e := &JSError{}
	if n := obj.Get("name"); n != nil && !goja.IsUndefined(n) {
		e.Name = n.String()
	}
	if m := obj.Get("message"); m != nil && !goja.IsUndefined(m) {
		e.Message = m.String()
	} else {
		e.Message = v.String()
	}
	if st := obj.Get("stack"); st != nil && !goja.IsUndefined(st) {
		stack := iso.pool.cleanStack(st.String())
		// goja's stack starts with "Name: message"; keep only the frames.
		var frames []string
		for _, l := range strings.Split(stack, "\n") {
			if strings.HasPrefix(l, "    at ") {
				frames = append(frames, l)
			}
		}
		e.Stack = strings.Join(frames, "\n")
	}
	return e
}

// asJSError converts an error returned by a call into the VM.
func (iso *Isolate) asJSError(err error) *JSError {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return iso.jsError(ex.Value())
	}
	var intr *goja.InterruptedError
	if errors.As(err, &intr) {
		return &JSError{Message: errTimeLimit}
	}
	var je *JSError
	if errors.As(err, &je) {
		return je
	}
	return &JSError{Name: "Error", Message: err.Error()}
}
