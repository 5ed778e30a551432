package devserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/events"
)

// TestDevSkipsLinksOutOfTheProject: valet dev serves a public/ link to the
// project's own file, never one to a file outside the project, and says so.
func TestDevSkipsLinksOutOfTheProject(t *testing.T) {
	dir := fixture(t, "app")
	secret := filepath.Join(t.TempDir(), "secret.txt")
	write(t, secret, "TOP SECRET")
	write(t, filepath.Join(dir, "notes.txt"), "project notes")
	for target, link := range map[string]string{secret: "leak.txt", "../notes.txt": "notes.txt"} {
		if err := os.Symlink(target, filepath.Join(dir, "public", link)); err != nil {
			t.Fatal(err)
		}
	}
	s := startDev(t, dir)
	if code, body := get(t, s.url+"/notes.txt"); code != 200 || body != "project notes" {
		t.Errorf("GET /notes.txt = %d %q, want the project's file", code, body)
	}
	if _, body := get(t, s.url+"/leak.txt"); strings.Contains(body, "TOP SECRET") {
		t.Errorf("GET /leak.txt served the file outside the project")
	}
	var warned int
	for _, e := range s.rec.Events() {
		if e.Kind == events.Warning && strings.Contains(e.Message, "public/leak.txt") && strings.Contains(e.Message, "outside the project") {
			warned++
		}
	}
	if warned != 1 {
		t.Errorf("%d warnings name public/leak.txt, want 1: %+v", warned, s.rec.Events())
	}
}
