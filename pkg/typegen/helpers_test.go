package typegen

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/typegen/golden")

// fixtureDir is the repository's testdata/typegen/<name>.
func fixtureDir(t *testing.T, name string) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "typegen", name))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// loadFixture reads dir/valet.jsonc (or wrangler.jsonc) into Options.
func loadFixture(t *testing.T, dir string) Options {
	t.Helper()
	var raw []byte
	var err error
	var name string
	for _, name = range []string{"valet.jsonc", "wrangler.jsonc"} {
		if raw, err = os.ReadFile(filepath.Join(dir, name)); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("no config in %s: %v", dir, err)
	}
	c, _, err := config.Parse(name, raw)
	if err != nil {
		t.Fatalf("config in %s: %v", dir, err)
	}
	return Options{Config: c, ConfigDir: dir, ConfigRaw: raw}
}

// copyDir copies a fixture into a temporary directory the test may write.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
