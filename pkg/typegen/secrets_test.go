package typegen

import (
	"path/filepath"
	"reflect"
	"testing"
)

func TestDotenvKeys(t *testing.T) {
	text := "# comment\r\n" +
		"PLAIN=value\r\n" +
		"export EXPORTED=1\n" +
		"  SPACED = padded  # trailing comment\n" +
		"COLON: yes\n" +
		"EMPTY=\n" +
		"DOTTED.NAME-1=x\n" +
		"SINGLE='it''s'\n" +
		"DOUBLE=\"multi\nNOT_KEY=inside\n\"\n" +
		"BACKTICK=`a\nALSO_NOT=b`\n" +
		"not a pair\n" +
		"PLAIN=again\n"
	want := []string{"BACKTICK", "COLON", "DOTTED.NAME-1", "DOUBLE", "EMPTY", "EXPORTED", "PLAIN", "SINGLE", "SPACED"}
	if got := dotenvKeys(text); !reflect.DeepEqual(got, want) {
		t.Errorf("dotenvKeys = %v, want %v", got, want)
	}
}

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
