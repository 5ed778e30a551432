package bundle

import (
	"path/filepath"
	"regexp"
	"testing"
)

func TestBuiltinFilter(t *testing.T) {
	re := regexp.MustCompile(builtinFilter())
	for path, want := range map[string]bool{
		"buffer": true, "fs/promises": true, "async_hooks": true, "events": true,
		// The runtime's own prefixes have a filter of their own.
		"cloudflare:workers": false, "node:fs": false,
		"buffer/": false, "eventsource": false, "fs/extra": false, "./buffer": false, "react": false,
	} {
		if got := re.MatchString(path); got != want {
			t.Errorf("%q matched = %v, want %v", path, got, want)
		}
	}
}

// A CommonJS package that requires Node's builtins (pg does
// require("events")) runs: each require gets the runtime's module, as
// under wrangler, instead of esbuild's "Dynamic require" error.
func TestWorkerRequiresBuiltins(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "node_modules", "cjs-pkg", "package.json"), `{"name": "cjs-pkg", "main": "index.js"}`)
	writeFile(t, filepath.Join(root, "node_modules", "cjs-pkg", "index.js"), `const EventEmitter = require("events");
const { Buffer } = require("node:buffer");
const sockets = require("cloudflare:sockets");
module.exports = function () {
	const e = new EventEmitter();
	let got = "";
	e.on("x", (v) => { got = v; });
	e.emit("x", Buffer.from("aGk=", "base64").toString());
	return got + " " + typeof sockets.connect;
};`)
	writeFile(t, filepath.Join(root, "index.js"), `import run from "cjs-pkg";
export default { fetch() { return new Response(run()); } };`)
	res, err := Worker(WorkerOptions{Entry: filepath.Join(root, "index.js"), Root: root, NodeCompat: true})
	if err != nil {
		t.Fatal(err)
	}
	if status, body := serve(t, res, []string{"nodejs_compat"})("/"); status != 200 || body != "hi function" {
		t.Errorf("GET / = %d %q, want 200 \"hi function\"", status, body)
	}
}
