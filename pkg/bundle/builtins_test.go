package bundle

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestBuiltinFilter(t *testing.T) {
	re := regexp.MustCompile(builtinFilter())
	for path, want := range map[string]bool{
		"buffer": true, "fs/promises": true, "async_hooks": true, "events": true,
		"buffer/": false, "eventsource": false, "fs/extra": false, "./buffer": false, "react": false,
		"node:fs": false, // handled by the prefix rule
	} {
		if got := re.MatchString(path); got != want {
			t.Errorf("%q matched = %v, want %v", path, got, want)
		}
	}
}

// TestRuntimeModulesStayImports: the runtime's modules are imports of the
// ES module workerd runs; with nodejs_compat a bare builtin is node:'s.
func TestRuntimeModulesStayImports(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "index.js"), `import { DurableObject } from "cloudflare:workers";
import { Buffer } from "buffer";
import path from "node:path";
export class D extends DurableObject {}
export default { fetch() { return new Response(Buffer.from(path.join("a", "b")).toString()); } };`)
	res, err := Worker(WorkerOptions{Entry: "index.js", Root: dir, NodeCompat: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range []string{`from "cloudflare:workers"`, `from "node:buffer"`, `from "node:path"`} {
		if !strings.Contains(string(res.Script), imp) {
			t.Errorf("script lacks %s:\n%s", imp, res.Script)
		}
	}
	if strings.Join(res.Exports, ",") != "D,default" {
		t.Errorf("exports = %v", res.Exports)
	}
}
