package typegen

import (
	"path/filepath"
	"testing"
)

func TestImportPath(t *testing.T) {
	dir := filepath.FromSlash("/p")
	for _, tc := range []struct{ main, output, want string }{
		{"worker/index.ts", "/p/worker-configuration.d.ts", "./worker/index"},
		{"./src/index.tsx", "/p/worker-configuration.d.ts", "./src/index"},
		{"src/index.js", "/p/types/env.d.ts", "../src/index"},
		{"src/worker.mjs", "/p/src/env.d.ts", "./worker"},
		{"src/entry.server", "/p/env.d.ts", "./src/entry.server"},
		{"/abs/worker.ts", "/p/env.d.ts", "../abs/worker"},
		{"", "/p/env.d.ts", ""},
	} {
		got, err := importPath(dir, tc.main, filepath.FromSlash(tc.output))
		if err != nil || got != tc.want {
			t.Errorf("importPath(%q, %q) = %q, %v; want %q", tc.main, tc.output, got, err, tc.want)
		}
	}
}

func TestInterfaceName(t *testing.T) {
	for env, want := range map[string]string{
		"staging": "StagingEnv", "eu-west": "EuWestEnv", "prod_2": "Prod2Env", "2nd": "_2ndEnv", "--": "_Env",
	} {
		if got := interfaceName(env); got != want {
			t.Errorf("interfaceName(%q) = %q, want %q", env, got, want)
		}
	}
}

func TestPropertyName(t *testing.T) {
	for name, want := range map[string]string{"API_KEY": "API_KEY", "$x": "$x", "MY-VAR": `"MY-VAR"`, "1ST": `"1ST"`, "a.b": `"a.b"`} {
		if got := propertyName(name); got != want {
			t.Errorf("propertyName(%q) = %q, want %q", name, got, want)
		}
	}
}
