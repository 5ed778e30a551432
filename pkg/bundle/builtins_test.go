package bundle

import (
	"regexp"
	"strings"
	"testing"
)

func TestBuiltinFilter(t *testing.T) {
	re := regexp.MustCompile(builtinFilter())
	for path, want := range map[string]bool{
		"cloudflare:workers": true, "cloudflare:sockets": true, "node:fs": true, "node:test": true,
		"buffer": true, "fs/promises": true, "async_hooks": true, "events": true,
		"buffer/": false, "eventsource": false, "fs/extra": false, "./buffer": false, "react": false,
	} {
		if got := re.MatchString(path); got != want {
			t.Errorf("%q matched = %v, want %v", path, got, want)
		}
	}
}

func TestBuiltinSpecifier(t *testing.T) {
	for in, want := range map[string]string{
		"events": "node:events", "node:events": "node:events",
		"fs/promises": "node:fs/promises", "cloudflare:workers": "cloudflare:workers",
	} {
		if got := builtinSpecifier(in); got != want {
			t.Errorf("builtinSpecifier(%q) = %q", in, got)
		}
	}
	src := builtinModule("node:fs")
	if !strings.Contains(src, `globalThis.__valet_modules["node:fs"]`) ||
		!strings.Contains(src, `valet does not provide module \"node:fs\"`) {
		t.Errorf("module source:\n%s", src)
	}
}
