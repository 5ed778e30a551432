package typegen

import (
	"path/filepath"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
)

func TestCommandLine(t *testing.T) {
	dir := filepath.FromSlash("/p")
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{ConfigDir: dir}, "valet types"},
		{Options{ConfigDir: dir, Env: "staging"}, "valet types --env staging"},
		{Options{ConfigDir: dir, Output: "src/env.d.ts", OmitRuntime: true}, "valet types --output src/env.d.ts --include-runtime=false"},
	} {
		if got := commandLine(tc.opts, tc.opts.OutputPath()); got != tc.want {
			t.Errorf("commandLine(%+v) = %q, want %q", tc.opts, got, tc.want)
		}
	}
}

// The hash depends on every input and on nothing else: not on map order,
// not on the secrets' values.
func TestInputHash(t *testing.T) {
	base := Options{Config: &config.Config{}, ConfigDir: "/p", ConfigRaw: []byte(`{"name":"a"}`)}
	sum := func(o Options, keys ...string) string {
		h := newInputHash(o, o.OutputPath())
		h.secrets(o.Env, secretSource{Files: []string{".dev.vars"}, Keys: keys})
		return h.sum()
	}
	ref := sum(base, "A")
	if sum(base, "A") != ref || len(ref) != 32 {
		t.Fatalf("hash not stable or not 32 hex digits: %q", ref)
	}
	changed := map[string]string{"secret names": sum(base, "A", "B")}
	o := base
	o.Env = "staging"
	changed["env"] = sum(o, "A")
	o = base
	o.Output = "x.d.ts"
	changed["output"] = sum(o, "A")
	o = base
	o.ConfigRaw = []byte(`{"name":"b"}`)
	changed["config"] = sum(o, "A")
	o = base
	o.OmitRuntime = true
	changed["runtime"] = sum(o, "A")
	for what, h := range changed {
		if h == ref {
			t.Errorf("changing the %s leaves the hash as it was", what)
		}
	}
}
