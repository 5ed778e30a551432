package runtime

import "regexp"

// goja's parser takes `get`, `set` or `async` followed by `=` at the start of
// a class element for the start of an accessor or method, so a class field of
// that name (`set = (key, value) => {...}`, as esbuild prints Hono's Context)
// is a syntax error. Quoted, the same field parses: `"set"=` is as long as
// `set = `, so columns (and source-map positions) stay where they were.
var (
	classFieldLine = regexp.MustCompile(`(?m)^(\s*(?:static\s+)?)(get|set|async) = `)
	classFieldMin  = regexp.MustCompile(`([;{}])(get|set|async)=([^=>])`)
)

// quoteClassFields rewrites such fields; it reports false when there are none.
// It runs only on a script that goja failed to parse, and its result is kept
// only when it parses, so a wrong guess costs nothing.
func quoteClassFields(src string) (string, bool) {
	out := classFieldLine.ReplaceAllString(src, `$1"$2"=`)
	out = classFieldMin.ReplaceAllString(out, `$1"$2"=$3`)
	return out, out != src
}
