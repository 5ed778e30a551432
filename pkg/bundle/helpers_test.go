package bundle

import (
	"path/filepath"
	"testing"

	"github.com/valet-dev/valet/pkg/internal/testfs"
)

// fixture copies testdata/bundle/<name> into a fresh temp dir, so that a
// test can edit sources and write outputs without touching the repo.
func fixture(t *testing.T, name string) string {
	t.Helper()
	return testfs.Fixture(t, filepath.Join("..", "..", "testdata", "bundle", name))
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	testfs.CopyTree(t, src, dst)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	testfs.WriteFile(t, path, content)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	return testfs.ReadFile(t, path)
}
