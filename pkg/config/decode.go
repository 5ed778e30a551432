package config

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// decoder checks a node tree against the Go types while filling them in,
// so that every mistake is reported at the key or value that makes it.
type decoder struct {
	src   *source
	diags []Diagnostic
	infos map[reflect.Type]*structInfo
	// vals and keys index the decoded nodes by path (containers[0].image)
	// for the checks that run after decoding.
	vals map[string]*node
	keys map[string]*node
}

func newDecoder(src *source) *decoder {
	return &decoder{
		src:   src,
		infos: knownInfos(),
		vals:  make(map[string]*node, 64),
		keys:  make(map[string]*node, 64),
	}
}

// maxDiagnostics bounds the work on a hopeless file (a binary, a huge
// minified document): nobody reads past the first screenful anyway.
const maxDiagnostics = 100

// full reports whether no more diagnostics will be kept, so that callers
// can skip the work of wording them.
func (d *decoder) full() bool { return len(d.diags) >= maxDiagnostics }

func (d *decoder) report(severity string, n *node, hint, format string, args ...any) {
	if len(d.diags) >= maxDiagnostics {
		return
	}
	line, col := d.src.pos(n)
	d.diags = append(d.diags, Diagnostic{
		File: d.src.file, Line: line, Col: col, Severity: severity,
		Message: fmt.Sprintf(format, args...), Hint: hint,
	})
}

func (d *decoder) errorf(n *node, hint, format string, args ...any) {
	d.report(SeverityError, n, hint, format, args...)
}

func (d *decoder) warnf(n *node, hint, format string, args ...any) {
	d.report(SeverityWarning, n, hint, format, args...)
}

func (d *decoder) info(t reflect.Type) *structInfo {
	if i, ok := d.infos[t]; ok {
		return i
	}
	// Not one of the config's types (the map is shared: never write it).
	return newStructInfo(t)
}

// knownInfos reads the tags of the config's own types once per process:
// the result never changes, and Load is on the path of every command.
var knownInfos = sync.OnceValue(func() map[reflect.Type]*structInfo {
	m := map[reflect.Type]*structInfo{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || m[t] != nil || t == typeRunWorkerFirst {
			return
		}
		m[t] = newStructInfo(t)
		for i := 0; i < t.NumField(); i++ {
			walk(t.Field(i).Type)
		}
	}
	walk(typeConfig)
	return m
})

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// at prefixes a message with the path it is about.
func at(path string) string {
	if path == "" {
		return ""
	}
	return path + ": "
}

var (
	typeRunWorkerFirst = reflect.TypeFor[RunWorkerFirst]()
	typeStringList     = reflect.TypeFor[StringList]()
	typeConfig         = reflect.TypeFor[Config]()
	typeContainer      = reflect.TypeFor[Container]()
)

// decode stores n into rv, reporting what does not fit. null leaves the
// Go zero value, as "unset".
func (d *decoder) decode(n *node, rv reflect.Value, path string) {
	d.vals[path] = n
	switch rv.Type() {
	case typeRunWorkerFirst:
		d.decodeRunWorkerFirst(n, rv, path)
		return
	case typeStringList:
		d.decodeStringList(n, rv, path)
		return
	}
	if n.kind == kindNull {
		return
	}
	switch rv.Kind() {
	case reflect.Pointer:
		v := reflect.New(rv.Type().Elem())
		d.decode(n, v.Elem(), path)
		rv.Set(v)
	case reflect.Struct:
		d.decodeStruct(n, rv, path)
	case reflect.Map:
		if !d.expect(n, kindObject, "object", path) {
			return
		}
		m := reflect.MakeMapWithSize(rv.Type(), len(n.members))
		seen := make(map[string]bool, len(n.members))
		for _, mb := range n.members {
			p := join(path, mb.name)
			if seen[mb.name] {
				d.errorf(mb.key, "remove one of them; JSON keeps only the last", "%sduplicate key %q", at(path), mb.name)
				continue
			}
			seen[mb.name] = true
			d.keys[p] = mb.key
			v := reflect.New(rv.Type().Elem()).Elem()
			d.decode(mb.val, v, p)
			m.SetMapIndex(reflect.ValueOf(mb.name), v)
		}
		rv.Set(m)
	case reflect.Slice:
		if !d.expect(n, kindArray, "array", path) {
			return
		}
		s := reflect.MakeSlice(rv.Type(), len(n.elems), len(n.elems))
		for i, e := range n.elems {
			d.decode(e, s.Index(i), index(path, i))
		}
		rv.Set(s)
	case reflect.String:
		if d.expect(n, kindString, "string", path) {
			rv.SetString(n.str)
		}
	case reflect.Bool:
		if d.expect(n, kindBool, "boolean", path) {
			rv.SetBool(n.b)
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		if !d.expect(n, kindNumber, "integer", path) {
			return
		}
		i, err := strconv.ParseInt(n.str, 10, 64)
		if err != nil {
			if n.num != math.Trunc(n.num) || math.IsNaN(n.num) || math.IsInf(n.num, 0) || math.Abs(n.num) > 1<<53 {
				d.errorf(n, "use a whole number", "%sexpected integer, got %s", at(path), n.describe())
				return
			}
			i = int64(n.num)
		}
		if rv.OverflowInt(i) {
			d.errorf(n, "use a smaller number", "%s%s is out of range", at(path), n.str)
			return
		}
		rv.SetInt(i)
	case reflect.Float64:
		if !d.expect(n, kindNumber, "number", path) {
			return
		}
		if math.IsNaN(n.num) || math.IsInf(n.num, 0) {
			d.errorf(n, "use a number between -1e308 and 1e308", "%s%s is out of range", at(path), n.str)
			return
		}
		rv.SetFloat(n.num)
	case reflect.Interface:
		if v := n.value(); v != nil {
			rv.Set(reflect.ValueOf(v))
		}
	}
}

// expect reports a type mismatch; the hint shows the likely fix.
func (d *decoder) expect(n *node, k kind, want, path string) bool {
	if n.kind == k {
		return true
	}
	hint := ""
	switch {
	case k == kindString && (n.kind == kindNumber || n.kind == kindBool):
		v := n.str
		if n.kind == kindBool {
			v = strconv.FormatBool(n.b)
		}
		hint = fmt.Sprintf("quote it: %q", v)
	case k == kindNumber && n.kind == kindString:
		if _, err := strconv.ParseFloat(n.str, 64); err == nil {
			hint = "remove the quotes: " + n.str
		}
	case k == kindBool && n.kind == kindString && (n.str == "true" || n.str == "false"):
		hint = "remove the quotes: " + n.str
	case k == kindArray && n.kind != kindObject:
		hint = "use a list, e.g. [" + strings.TrimPrefix(strings.TrimPrefix(n.describe(), "string "), "number ") + "]"
	}
	d.errorf(n, hint, "%sexpected %s, got %s", at(path), want, n.describe())
	return false
}

func (d *decoder) decodeStruct(n *node, rv reflect.Value, path string) {
	if !d.expect(n, kindObject, "object", path) {
		return
	}
	t := rv.Type()
	info := d.info(t)
	seen := make([]bool, len(info.fields))
	inEnv := t == typeConfig && path != ""
	for _, mb := range n.members {
		p := join(path, mb.name)
		fi, ok := info.byName[mb.name]
		if !ok && d.full() {
			continue
		}
		if !ok {
			if hint := credentialHint(t, mb.name); hint != "" {
				d.errorf(mb.key, hint, "%scredentials are never read from the config file", at(p))
				continue
			}
			if isUnsupported(t, mb.name) {
				d.warnf(mb.key, "", "wrangler key %q is not supported by valet yet; it is ignored", p)
				continue
			}
			d.errorf(mb.key, didYouMean(mb.name, info.names, unsupportedKeys(t), "valid keys here"), "%sunknown key %q", at(path), mb.name)
			continue
		}
		if seen[fi] {
			d.errorf(mb.key, "remove one of them; JSON keeps only the last", "%sduplicate key %q", at(path), mb.name)
			continue
		}
		seen[fi] = true
		d.keys[p] = mb.key
		if inEnv {
			switch mb.name {
			case "env":
				d.errorf(mb.key, "define every environment at the top level, under \"env\"", "%senvironments cannot be nested", at(path))
				continue
			case "dev":
				d.warnf(mb.key, "move it to the top level", "%s\"dev\" is only read at the top level; it is ignored here", at(path))
				continue
			}
		}
		if t == typeContainer && mb.name == "instance_type" && mb.val.kind == kindObject {
			d.warnf(mb.val, "", "%scustom instance types (vcpu, memory_mib, disk_mb) are not supported by valet yet; the container runs without limits", at(p))
			continue
		}
		f := info.fields[fi]
		d.decode(mb.val, rv.Field(f.index), p)
		d.checkField(f, mb.val, p)
	}
	for i, f := range info.fields {
		if f.required && (!seen[i] || rv.Field(f.index).IsZero()) {
			target, what := n, "missing required key"
			if seen[i] {
				target, what = d.vals[join(path, f.name)], "empty required key"
			}
			d.errorf(target, requiredHint(t, f.name), "%s%s %q", at(path), what, f.name)
		}
	}
}

// checkField applies the enum, minimum and maximum of the field's tags.
func (d *decoder) checkField(f fieldInfo, n *node, path string) {
	if len(f.enum) > 0 && n.kind == kindString && n.str != "" && !slices.Contains(f.enum, n.str) {
		hint := "allowed values: " + quoteList(f.enum)
		if s := suggest(n.str, f.enum); s != "" {
			hint = fmt.Sprintf("did you mean %q? allowed values: %s", s, quoteList(f.enum))
		}
		d.errorf(n, hint, "%s%q is not an allowed value", at(path), n.str)
	}
	if n.kind != kindNumber {
		return
	}
	if (f.min != nil && n.num < *f.min) || (f.max != nil && n.num > *f.max) {
		d.errorf(n, rangeHint(f), "%s%s is out of range", at(path), n.str)
	}
}

func rangeHint(f fieldInfo) string {
	num := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	switch {
	case f.min != nil && f.max != nil:
		if strings.HasSuffix(f.name, "port") {
			return fmt.Sprintf("a port is between %s and %s", num(*f.min), num(*f.max))
		}
		return fmt.Sprintf("use a value between %s and %s", num(*f.min), num(*f.max))
	case f.min != nil:
		return "use a value of at least " + num(*f.min)
	case f.max != nil:
		return "use a value of at most " + num(*f.max)
	}
	return ""
}

// requiredHint says what a required key holds, with an example.
func requiredHint(t reflect.Type, key string) string {
	switch key {
	case "class_name":
		return `the exported class of the worker that implements the Durable Object, e.g. "class_name": "Container"`
	case "image":
		return `a path to a Dockerfile or an image reference, e.g. "image": "./Dockerfile"`
	case "name":
		return `the name of the binding in env, e.g. "name": "CONTAINER"`
	case "tag":
		return `a unique name for this migration, e.g. "tag": "v1"`
	case "globs":
		return `the files the rule gives a module type, e.g. "globs": ["**/*.md"]`
	case "bucket":
		return `the bucket the hosts share, e.g. "bucket": "s3://valet-state/my-app"`
	case "host":
		return `the host's Docker Engine, e.g. "host": "ssh://deploy@a.example.com"`
	}
	return fmt.Sprintf("add %q", key)
}

func (d *decoder) decodeRunWorkerFirst(n *node, rv reflect.Value, path string) {
	var r RunWorkerFirst
	switch n.kind {
	case kindNull:
		return
	case kindBool:
		r.All = n.b
	case kindArray:
		r.Routes = make([]string, 0, len(n.elems))
		for i, e := range n.elems {
			p := index(path, i)
			d.vals[p] = e
			if d.expect(e, kindString, "string", p) {
				if !strings.HasPrefix(strings.TrimPrefix(e.str, "!"), "/") {
					d.errorf(e, `routes start with "/" (or "!/" to exclude), e.g. "/api/*"`, "%s%q is not a route pattern", at(p), e.str)
				}
				r.Routes = append(r.Routes, e.str)
			}
		}
	default:
		d.errorf(n, `use true, false or a list of route patterns such as ["/api/*", "!/api/docs"]`,
			"%sexpected boolean or list of strings, got %s", at(path), n.describe())
		return
	}
	rv.Set(reflect.ValueOf(r))
}

func (d *decoder) decodeStringList(n *node, rv reflect.Value, path string) {
	switch n.kind {
	case kindNull:
		return
	case kindString:
		rv.Set(reflect.ValueOf(StringList{n.str}))
	case kindArray:
		l := make(StringList, 0, len(n.elems))
		for i, e := range n.elems {
			p := index(path, i)
			d.vals[p] = e
			if d.expect(e, kindString, "string", p) {
				l = append(l, e.str)
			}
		}
		rv.Set(reflect.ValueOf(l))
	default:
		d.errorf(n, `use a string or a list of strings, e.g. ["src", "public"]`,
			"%sexpected string or list of strings, got %s", at(path), n.describe())
	}
}
