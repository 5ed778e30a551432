package bundle

import (
	"maps"
	"path/filepath"
	"testing"
)

func TestParseDotenv(t *testing.T) {
	src := "# comment\n" +
		"VITE_A=plain value # trailing comment\n" +
		"export VITE_B='single $VITE_A'\n" +
		"VITE_C=\"double\\nline ${VITE_A}\"\n" +
		"VITE_D=`multi\nline`\n" +
		"VITE_E=${MISSING:-fallback}-$HOME_X\n" +
		"VITE_F=\r\n" +
		"VITE_G=a#b\n" +
		"VITE_H=\\$VITE_A\n"
	got, err := parseDotenv(".env", src, func(k string) (string, bool) {
		if k == "HOME_X" {
			return "home", true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"VITE_A": "plain value",
		"VITE_B": "single $VITE_A",
		"VITE_C": "double\nline plain value",
		"VITE_D": "multi\nline",
		"VITE_E": "fallback-home",
		"VITE_F": "",
		"VITE_G": "a#b",
		"VITE_H": "$VITE_A",
	}
	if !maps.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if _, err := parseDotenv(".env", "VITE_X=\"open\n", nil); err == nil || err.Error() != ".env:1: value of VITE_X has no closing \"" {
		t.Errorf("unclosed quote: %v", err)
	}
	if _, err := parseDotenv(".env.local", "A=1\njust words\n", nil); err == nil || err.Error() != `.env.local:2: expected KEY=value, found "just words"` {
		t.Errorf("garbage line: %v", err)
	}
}

func TestLoadClientEnvPriority(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, ".env"), "VITE_A=env\nVITE_B=env\nVITE_C=env\nSECRET=no\n")
	writeFile(t, filepath.Join(root, ".env.local"), "VITE_B=local\n")
	writeFile(t, filepath.Join(root, ".env.production"), "VITE_C=mode\nVALET_PUBLIC_D=mode\n")
	writeFile(t, filepath.Join(root, ".env.development"), "VITE_C=dev\n")
	got, read, err := loadClientEnv(root, "production", map[string]string{"VITE_A": "process", "PATH": "/bin"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"VITE_A": "process", "VITE_B": "local", "VITE_C": "mode", "VALET_PUBLIC_D": "mode"}
	if !maps.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if len(read) != 3 {
		t.Errorf("read %q", read)
	}
}
