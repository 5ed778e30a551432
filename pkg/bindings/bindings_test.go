package bindings

import (
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
)

func testConfig() *config.Config {
	return &config.Config{
		Name: "app",
		Vars: map[string]any{"GREETING": "hi", "LIMITS": map[string]any{"n": 3}, "TOKEN": "from vars"},
		DurableObjects: &config.DurableObjects{Bindings: []config.DurableObjectBinding{
			{Name: "COUNTER", ClassName: "Counter"},
			{Name: "REMOTE", ClassName: "Other", ScriptName: "elsewhere"},
		}},
		Containers: []config.Container{{ClassName: "Counter", Image: "./Dockerfile"}},
		Assets:     &config.Assets{Directory: "dist", Binding: "ASSETS"},
	}
}

// A secret shadows a var of the same name, in workerd and in the types.
func TestSecretShadowsVar(t *testing.T) {
	c := testConfig()
	wb, err := Workerd(c, Context{Secrets: map[string]string{"TOKEN": "s3cret"}, AssetsService: "assets"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, b := range wb {
		got[b.Name] = b.Member + " " + b.Value
	}
	want := map[string]string{
		"ASSETS":   `service (name = "assets")`,
		"COUNTER":  `durableObjectNamespace (className = "Counter")`,
		"GREETING": `text "hi"`,
		"LIMITS":   `json "{\"n\":3}"`,
		"REMOTE":   `durableObjectNamespace (className = "Other")`,
		"TOKEN":    `fromEnvironment "VALET_SECRET___TOKEN"`,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("bindings %v", got)
	}
	types, err := Types(c, []string{"TOKEN"}, TypeContext{MainImport: "./src/index", WorkerName: "app"})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"TOKEN": "string", "GREETING": `"hi"`, "LIMITS": `{"n":3}`, "ASSETS": "Fetcher",
		"COUNTER": `DurableObjectNamespace<import("./src/index").Counter>`,
		"REMOTE":  "DurableObjectNamespace /* Other from elsewhere */",
	} {
		if types[k] != v {
			t.Errorf("type of %s = %q, want %q", k, types[k], v)
		}
	}
}

func TestRowsOrder(t *testing.T) {
	var kinds []string
	for _, b := range Rows(testConfig(), []string{"TOKEN"}) {
		kinds = append(kinds, b.Name+":"+b.Kind.Name)
	}
	want := "COUNTER:durable object REMOTE:durable object ASSETS:assets GREETING:var LIMITS:var TOKEN:secret"
	if strings.Join(kinds, " ") != want {
		t.Errorf("rows %v\nwant %s", kinds, want)
	}
}

func TestAssetsBindingWithoutAssets(t *testing.T) {
	_, err := Workerd(testConfig(), Context{})
	if err == nil || !strings.Contains(err.Error(), "set assets.directory") {
		t.Errorf("err = %v", err)
	}
}
