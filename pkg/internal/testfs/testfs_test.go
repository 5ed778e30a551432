package testfs_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/valet-dev/valet/pkg/internal/testfs"
)

func TestFixtureCopiesTheTree(t *testing.T) {
	src := filepath.Join(t.TempDir(), "app")
	testfs.WriteFile(t, filepath.Join(src, "src", "index.ts"), "export default {}")
	testfs.WriteFile(t, filepath.Join(src, "wrangler.jsonc"), "{}")
	if err := os.MkdirAll(filepath.Join(src, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}

	dst := testfs.Fixture(t, src)
	if filepath.Base(dst) != "app" || dst == src {
		t.Fatalf("copy at %s", dst)
	}
	if got := testfs.ReadFile(t, filepath.Join(dst, "src", "index.ts")); got != "export default {}" {
		t.Errorf("src/index.ts = %q", got)
	}
	if got := testfs.ReadFile(t, filepath.Join(dst, "wrangler.jsonc")); got != "{}" {
		t.Errorf("wrangler.jsonc = %q", got)
	}
	if fi, err := os.Stat(filepath.Join(dst, "empty")); err != nil || !fi.IsDir() {
		t.Errorf("empty dir not copied: %v", err)
	}

	// The copy is the test's: editing it leaves the source alone.
	testfs.WriteFile(t, filepath.Join(dst, "wrangler.jsonc"), `{"name":"x"}`)
	if got := testfs.ReadFile(t, filepath.Join(src, "wrangler.jsonc")); got != "{}" {
		t.Errorf("source changed: %q", got)
	}
}
