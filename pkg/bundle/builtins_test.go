package bundle

import (
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
