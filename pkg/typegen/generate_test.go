package typegen

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
)

// envPart is the generated file up to the runtime declarations, which are
// checked separately to be runtime.d.ts verbatim.
func envPart(t *testing.T, out []byte) string {
	t.Helper()
	head, tail, ok := strings.Cut(string(out), "\n// Begin runtime types\n")
	if !ok {
		t.Fatalf("no runtime types marker in:\n%s", out)
	}
	if tail != RuntimeDeclarations() {
		t.Fatalf("runtime declarations are not runtime.d.ts verbatim")
	}
	return head + "\n"
}

func TestGenerateGolden(t *testing.T) {
	for _, tc := range []struct{ name, fixture, env string }{
		{"reference", "reference", ""},
		{"reference-staging", "reference", "staging"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := loadFixture(t, fixtureDir(t, tc.fixture))
			opts.Env = tc.env
			out, err := Generate(opts)
			if err != nil {
				t.Fatal(err)
			}
			got := envPart(t, out)
			golden := filepath.Join(fixtureDir(t, "golden"), tc.name+".d.ts")
			if *update {
				writeFile(t, golden, got)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./pkg/typegen -run TestGenerateGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("generated Env differs from %s (rerun with -update if intended)\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
			again, err := Generate(opts)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, again) {
				t.Error("two runs over the same inputs differ")
			}
		})
	}
}

func TestGenerateNeverWritesSecretValues(t *testing.T) {
	dir := fixtureDir(t, "reference")
	for _, env := range []string{"", "staging"} {
		opts := loadFixture(t, dir)
		opts.Env = env
		out, err := Generate(opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"reference-secret-value-4f1c", "another-secret-value-9a7e", "staging-secret-value-77d2", "line two", "NOT_A_KEY"} {
			if bytes.Contains(out, []byte(secret)) {
				t.Errorf("env %q: output contains %q from a secrets file", env, secret)
			}
		}
		if !bytes.Contains(out, []byte("CONVEX_ADMIN_KEY: string;")) {
			t.Errorf("env %q: secret name missing from Env", env)
		}
	}
}

func TestGenerateBindings(t *testing.T) {
	dir := t.TempDir()
	c := &config.Config{
		Name: "app",
		Main: "src/worker.mts",
		Vars: map[string]any{
			"STR":      "a \"quoted\" <value>",
			"NUM":      float64(42.5),
			"BOOL":     true,
			"OBJ":      map[string]any{"b": []any{float64(1), "x"}, "a": nil},
			"KEBAB-ID": "k",
		},
		DurableObjects: &config.DurableObjects{Bindings: []config.DurableObjectBinding{
			{Name: "LOCAL", ClassName: "Room"},
			{Name: "REMOTE", ClassName: "Queue", ScriptName: "other-worker"},
		}},
		Assets:             &config.Assets{Directory: "public", Binding: "STATIC"},
		CompatibilityFlags: []string{"nodejs_compat"},
		Env: map[string]*config.Config{
			"eu-west": {Vars: map[string]any{"STR": "eu", "ONLY_EU": float64(1)}},
		},
	}
	out, err := Generate(Options{Config: c, ConfigDir: dir, Output: "types/env.d.ts"})
	if err != nil {
		t.Fatal(err)
	}
	got := envPart(t, out)
	for _, want := range []string{
		"`valet types --output types/env.d.ts`",
		`mainModule: typeof import("../src/worker");`,
		`durableNamespaces: "Room";`,
		"\tinterface EuWestEnv {\n\t\tONLY_EU: 1;\n\t\tSTATIC: Fetcher;\n\t\tSTR: \"eu\";\n\t}\n",
		`BOOL: true;`,
		`"KEBAB-ID": "k";`,
		`LOCAL: DurableObjectNamespace<import("../src/worker").Room>;`,
		`NUM: 42.5;`,
		`OBJ: {"a":null,"b":[1,"x"]};`,
		`ONLY_EU?: 1;`,
		`REMOTE: DurableObjectNamespace /* Queue from other-worker */;`,
		`STATIC: Fetcher;`,
		`STR: "a \"quoted\" <value>" | "eu";`,
		`interface ProcessEnv extends StringifyValues<Pick<Cloudflare.Env, "BOOL" | "KEBAB-ID" | "NUM" | "OBJ" | "ONLY_EU" | "STR">> {}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %s\n%s", want, got)
		}
	}
}

func TestGenerateUnknownEnv(t *testing.T) {
	opts := Options{Config: &config.Config{Env: map[string]*config.Config{"staging": {}}}, ConfigDir: t.TempDir(), Env: "prod"}
	_, err := Generate(opts)
	var coder interface{ ExitCode() int }
	if !errors.As(err, &coder) || coder.ExitCode() != 2 || !strings.Contains(err.Error(), "staging") {
		t.Errorf("err = %v: want a config error (exit 2) naming the known environments", err)
	}
}

func TestGenerateWithoutMain(t *testing.T) {
	c := &config.Config{DurableObjects: &config.DurableObjects{Bindings: []config.DurableObjectBinding{{Name: "NS", ClassName: "Thing"}}}}
	out, err := Generate(Options{Config: c, ConfigDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if got := envPart(t, out); !strings.Contains(got, "NS: DurableObjectNamespace /* Thing */;") || strings.Contains(got, "mainModule") {
		t.Errorf("unexpected output without main:\n%s", got)
	}
}

func TestGenerateOmitRuntime(t *testing.T) {
	opts := loadFixture(t, fixtureDir(t, "reference"))
	full, err := Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.OmitRuntime = true
	out, err := Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	if strings.Contains(got, "Begin runtime types") || strings.Contains(got, "Runtime types:") {
		t.Errorf("runtime declarations present:\n%.600s", got)
	}
	if !strings.Contains(got, "`valet types --include-runtime=false`") || !strings.HasSuffix(got, "interface Env extends Cloudflare.Env {}\n") {
		t.Errorf("unexpected output:\n%s", got)
	}
	if strings.SplitN(got, "\n", 2)[0] == strings.SplitN(string(full), "\n", 2)[0] {
		t.Error("the hash does not depend on the runtime declarations being included")
	}
}

// Rules declare their modules' types; the text is what `wrangler types`
// 4.86 writes for these rules.
func TestGenerateModuleRules(t *testing.T) {
	yes := true
	out, err := Generate(Options{Config: &config.Config{Name: "t", Rules: []config.ModuleRule{
		{Type: "Data", Globs: []string{"**/*.html"}, Fallthrough: &yes},
		{Type: "Text", Globs: []string{"templates/**", "exact.md"}},
		{Type: "CompiledWasm", Globs: []string{"**/*.wasm?module"}},
		{Type: "ESModule", Globs: []string{"lang/*.js"}},
	}}, ConfigDir: t.TempDir(), OmitRuntime: true})
	if err != nil {
		t.Fatal(err)
	}
	want := `declare module "*.html" {
	const value: ArrayBuffer;
	export default value;
}
declare module "templates/*" {
	const value: string;
	export default value;
}
declare module "exact.md" {
	const value: string;
	export default value;
}
declare module "*.wasm?module" {
	const value: WebAssembly.Module;
	export default value;
}
`
	if !strings.HasSuffix(string(out), want) {
		t.Errorf("generated:\n%s\nwant it to end with:\n%s", out, want)
	}
}
