package image

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM scratch\n", "backend/Dockerfile": "FROM scratch\n", "other.dockerfile": "x"})
	cases := []struct {
		image  string
		isFile bool
		path   string
	}{
		{"./Dockerfile", true, filepath.Join(dir, "Dockerfile")},
		{"Dockerfile", true, filepath.Join(dir, "Dockerfile")},
		{"./backend", true, filepath.Join(dir, "backend/Dockerfile")},
		{"other.dockerfile", true, filepath.Join(dir, "other.dockerfile")},
		{"./missing/Dockerfile", true, filepath.Join(dir, "missing/Dockerfile")},
		{"ghcr.io/x/y:tag", false, "ghcr.io/x/y:tag"},
		{"docker.io/httpd:2", false, "docker.io/httpd:2"},
		{"localhost:5000/app@sha256:abc", false, "localhost:5000/app@sha256:abc"},
	}
	for _, c := range cases {
		isFile, path := Resolve(dir, c.image)
		if isFile != c.isFile || path != c.path {
			t.Errorf("Resolve(%q) = %v, %q; want %v, %q", c.image, isFile, path, c.isFile, c.path)
		}
	}
}

func TestValidateRef(t *testing.T) {
	for _, ok := range []string{"ghcr.io/x/y:tag", "httpd:2", "localhost:5000/app:1", "app@sha256:abc"} {
		if err := ValidateRef(ok); err != nil {
			t.Errorf("ValidateRef(%q) = %v", ok, err)
		}
	}
	for ref, want := range map[string]string{
		"https://docker.io/httpd:1": "no scheme",
		"ghcr.io/x/y":               "with a tag",
		"localhost:5000/app":        "with a tag",
	} {
		if err := ValidateRef(ref); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateRef(%q) = %v, want %q", ref, err, want)
		}
	}
}
