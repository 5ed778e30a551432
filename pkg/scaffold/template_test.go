package scaffold

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
	"github.com/valet-dev/valet/templates"
)

func TestTemplatesExistInFS(t *testing.T) {
	all := Templates()
	if all[0].Name != DefaultTemplate {
		t.Errorf("first template %q, want the default %q", all[0].Name, DefaultTemplate)
	}
	dirs, err := fs.ReadDir(templates.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	inFS := map[string]bool{}
	for _, d := range dirs {
		inFS[d.Name()] = d.IsDir()
	}
	for _, tmpl := range all {
		if !inFS[tmpl.Name] {
			t.Errorf("template %q has no directory in templates.FS", tmpl.Name)
		}
		delete(inFS, tmpl.Name)
	}
	for name := range inFS {
		t.Errorf("templates.FS has %q, which Templates does not list", name)
	}
}

func TestLookupTemplate(t *testing.T) {
	if tmpl, err := LookupTemplate("worker"); err != nil || tmpl.Name != "worker" {
		t.Errorf("LookupTemplate(worker) = %v, %v", tmpl, err)
	}
	for in, want := range map[string]string{"container": "container-app", "asets": "assets", "wroker": "worker", "zzzzzzzzzz": ""} {
		names := []string{"container-app", "worker", "assets"}
		if got := closest(in, names); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every template with a worker installs the workerd valet pins, so that
// `npm install` gives the project the runtime valet dev runs.
func TestTemplatesPinValetsWorkerd(t *testing.T) {
	for _, tmpl := range Templates() {
		t.Run(tmpl.Name, func(t *testing.T) {
			raw, err := fs.ReadFile(templates.FS, tmpl.Name+"/valet.jsonc")
			if err != nil {
				t.Fatal(err)
			}
			cfg, _, err := config.Parse("valet.jsonc", bytes.ReplaceAll(raw, []byte("{{name}}"), []byte("app")))
			if err != nil {
				t.Fatal(err)
			}
			b, err := fs.ReadFile(templates.FS, tmpl.Name+"/package.json")
			if err != nil {
				t.Fatal(err)
			}
			var pkg struct {
				Dependencies    map[string]string `json:"dependencies"`
				DevDependencies map[string]string `json:"devDependencies"`
			}
			if err := json.Unmarshal(bytes.ReplaceAll(b, []byte("{{name}}"), []byte("app")), &pkg); err != nil {
				t.Fatal(err)
			}
			got := pkg.DevDependencies["workerd"]
			switch {
			case cfg.Main != "" && got != workerd.PinnedVersion:
				t.Errorf("devDependencies.workerd = %q, want %q (workerd.PinnedVersion)", got, workerd.PinnedVersion)
			case cfg.Main == "" && got != "":
				t.Errorf("the template has no worker, yet installs workerd %s", got)
			}
			if v := pkg.Dependencies["workerd"]; v != "" {
				t.Errorf("workerd is a devDependency, not a dependency (%s)", v)
			}
		})
	}
}
