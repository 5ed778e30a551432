package workerd

import (
	"regexp"
	"strconv"

	"github.com/go-sourcemap/sourcemap"
)

// StackMapper rewrites positions in the bundle ("worker.js:12:5") of
// workerd's messages and stacks to the original sources
// ("src/index.ts:4:11"), through the bundle's source map.
type StackMapper struct {
	module string
	re     *regexp.Regexp
	sm     *sourcemap.Consumer
}

// NewStackMapper maps positions in module with sourceMap; with no usable
// map it leaves text as it is.
func NewStackMapper(module string, sourceMap []byte) *StackMapper {
	// Not inside a longer path: another worker's "b/worker.js" is not this
	// worker's "worker.js".
	m := &StackMapper{module: module, re: regexp.MustCompile(`(^|[^\w./-])` + regexp.QuoteMeta(module) + `:(\d+):(\d+)`)}
	if len(sourceMap) > 0 {
		if sm, err := sourcemap.Parse(module+".map", sourceMap); err == nil {
			m.sm = sm
		}
	}
	return m
}

// Map rewrites every position of the module in text.
func (m *StackMapper) Map(text string) string {
	if m == nil || m.sm == nil {
		return text
	}
	return m.re.ReplaceAllStringFunc(text, func(s string) string {
		g := m.re.FindStringSubmatch(s)
		line, _ := strconv.Atoi(g[2])
		col, _ := strconv.Atoi(g[3])
		// V8 counts columns from 1, source maps from 0.
		file, _, l, c, ok := m.sm.Source(line, col-1)
		if !ok || file == "" {
			return s
		}
		return g[1] + file + ":" + strconv.Itoa(l) + ":" + strconv.Itoa(c+1)
	})
}
