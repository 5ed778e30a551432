package bundle

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Module types as workerd names them (workerd.capnp's Worker.Module).
const (
	ModuleESM      = "esModule"
	ModuleCommonJS = "commonJsModule"
	ModuleText     = "text"
	ModuleData     = "data"
	ModuleWasm     = "wasm"
)

// Module is a module of the worker shipped beside the bundle, under its own
// name, as wrangler's module rules make it: imported by that name at run
// time.
type Module struct {
	Name    string // "/"-separated, relative to the bundle's directory
	Type    string // ModuleESM, ModuleCommonJS, ModuleText, ModuleData or ModuleWasm
	Content []byte
	Path    string // the source file, for the watcher ("" when unknown)
}

// ModuleRule is wrangler's `rules` entry: files matching Globs are modules
// of Type. Type is a rule type: ESModule, CommonJS, CompiledWasm, Text or
// Data.
type ModuleRule struct {
	Type        string   `json:"type"`
	Globs       []string `json:"globs"`
	Fallthrough *bool    `json:"fallthrough,omitempty"`
}

// ruleModuleTypes maps wrangler's rule types to workerd's module types.
var ruleModuleTypes = map[string]string{
	"ESModule":     ModuleESM,
	"CommonJS":     ModuleCommonJS,
	"CompiledWasm": ModuleWasm,
	"Text":         ModuleText,
	"Data":         ModuleData,
}

// DefaultModuleRules are wrangler's, applied after the user's.
var DefaultModuleRules = []ModuleRule{
	{Type: "Text", Globs: []string{"**/*.txt", "**/*.html", "**/*.sql"}},
	{Type: "Data", Globs: []string{"**/*.bin"}},
	{Type: "CompiledWasm", Globs: []string{"**/*.wasm", "**/*.wasm?module"}},
}

func (r ModuleRule) isJS() bool { return r.Type == "ESModule" || r.Type == "CommonJS" }

func (r ModuleRule) String() string {
	b, _ := json.Marshal(r)
	return string(b)
}

// parsedRules are the user's rules followed by the defaults, with the rules
// that an earlier rule of the same type shadows moved to removed: the first
// rule of a type ends its type unless it says fallthrough: true.
type parsedRules struct {
	rules, removed []ModuleRule
	warnings       []string
}

func parseRules(user []ModuleRule) (parsedRules, error) {
	var p parsedRules
	for _, r := range user {
		if _, ok := ruleModuleTypes[r.Type]; !ok {
			return p, fmt.Errorf("module rule %s: unknown type %q (ESModule, CommonJS, CompiledWasm, Text or Data)", r, r.Type)
		}
	}
	all := append(append([]ModuleRule(nil), user...), DefaultModuleRules...)
	completed := map[string]int{} // type → index of the rule that ends it
	shadowed := map[string][]int{}
	for i, r := range all {
		if at, done := completed[r.Type]; done {
			// As wrangler: an explicit fallthrough: false silences the warning.
			if f := all[at].Fallthrough; f == nil || *f {
				shadowed[r.Type] = append(shadowed[r.Type], i)
			}
			p.removed = append(p.removed, r)
			continue
		}
		if f := r.Fallthrough; f == nil || !*f {
			completed[r.Type] = i
		}
		p.rules = append(p.rules, r)
	}
	for _, typ := range []string{"ESModule", "CommonJS", "CompiledWasm", "Text", "Data"} {
		idx := shadowed[typ]
		if len(idx) == 0 {
			continue
		}
		at := completed[typ]
		kind := "module rule"
		if at >= len(user) {
			kind = "default module rule"
		}
		var b strings.Builder
		fmt.Fprintf(&b, "the %s %s does not fall through, so these rules are ignored:", kind, all[at])
		for _, i := range idx {
			fmt.Fprintf(&b, "\n  %s", all[i])
			if i >= len(user) {
				b.WriteString(" (default)")
			}
		}
		b.WriteString("\nadd \"fallthrough\": true to the rule to let the next ones apply, or \"fallthrough\": false to silence this warning")
		p.warnings = append(p.warnings, b.String())
	}
	return p, nil
}

// globRegexp turns a rule's glob into a regular expression as wrangler does
// (the npm package glob-to-regexp): with globstar, `*` stays within a path
// segment and `**/` spans any number of them (matching files found on disk);
// without, `*` matches anything, `/` included (matching import specifiers).
// `?`, `[`, `]`, `{`, `}` and `,` are literal characters.
func globRegexp(glob string, globstar bool) string {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(glob); i++ {
		c := glob[i]
		switch c {
		case '/', '$', '^', '+', '.', '(', ')', '=', '!', '|', '?', '[', ']', '{', '}', ',':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '*':
			prev := byte(0)
			if i > 0 {
				prev = glob[i-1]
			}
			stars := 1
			for i+1 < len(glob) && glob[i+1] == '*' {
				stars++
				i++
			}
			next := byte(0)
			if i+1 < len(glob) {
				next = glob[i+1]
			}
			switch {
			case !globstar:
				b.WriteString(".*")
			case stars > 1 && (prev == '/' || prev == 0) && (next == '/' || next == 0):
				b.WriteString("((?:[^/]*(?:/|$))*)")
				i++ // the slash is part of the globstar
			default:
				b.WriteString("([^/]*)")
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return b.String()
}
