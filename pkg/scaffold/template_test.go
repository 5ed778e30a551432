package scaffold

import (
	"io/fs"
	"testing"

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
