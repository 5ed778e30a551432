package typegen

import (
	"path/filepath"
	"reflect"
	"testing"
)

func TestReadSecretKeysPrecedence(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) { writeFile(t, filepath.Join(dir, name), content) }

	// No files at all.
	if src, err := readSecretKeys(dir, ""); err != nil || len(src.Keys) != 0 || len(src.Files) != 0 {
		t.Errorf("empty dir: %+v, %v", src, err)
	}

	// .env files together, when there is no .dev.vars.
	write(".env", "A=1\n")
	write(".env.local", "B=1\n")
	write(".env.staging", "C=1\n")
	write(".env.staging.local", "D=1\n")
	check := func(env string, files, keys []string) {
		t.Helper()
		src, err := readSecretKeys(dir, env)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(src.Files, files) || !reflect.DeepEqual(src.Keys, keys) {
			t.Errorf("env %q: files %v keys %v; want %v %v", env, src.Files, src.Keys, files, keys)
		}
	}
	check("", []string{".env", ".env.local"}, []string{"A", "B"})
	check("staging", []string{".env", ".env.staging", ".env.local", ".env.staging.local"}, []string{"A", "B", "C", "D"})

	// .dev.vars wins over .env; .dev.vars.<env> over .dev.vars.
	write(".dev.vars", "X=1\n")
	check("", []string{".dev.vars"}, []string{"X"})
	check("staging", []string{".dev.vars"}, []string{"X"})
	write(".dev.vars.staging", "Y=1\n")
	check("staging", []string{".dev.vars.staging"}, []string{"Y"})
	check("", []string{".dev.vars"}, []string{"X"})
}
