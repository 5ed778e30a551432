package devvars

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	got := Parse("# comment\nA=1\nexport B = two # trailing\nC=\"line\\nnext\"\nD='it''s'\nE: colon\nF=`back`\nbad line\nA=3\n")
	want := map[string]string{"A": "3", "B": "two", "C": "line\nnext", "D": "it''s", "E": "colon", "F": "back"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse = %#v, want %#v", got, want)
	}
}

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(".env", "A=env\nB=env\n")
	write(".env.local", "B=local\n")
	v, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if v.Values["A"] != "env" || v.Values["B"] != "local" || len(v.Files) != 2 {
		t.Fatalf(".env files: %+v", v)
	}
	write(".dev.vars", "S=secret\n")
	v, _ = Load(dir, "")
	if !reflect.DeepEqual(v.Keys(), []string{"S"}) || v.Files[0] != ".dev.vars" {
		t.Fatalf(".dev.vars should win alone: %+v", v)
	}
	write(".dev.vars.staging", "T=x\n")
	v, _ = Load(dir, "staging")
	if !reflect.DeepEqual(v.Keys(), []string{"T"}) {
		t.Fatalf("env file should win: %+v", v)
	}
}

func TestParseKeys(t *testing.T) {
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
	if got := (Vars{Values: Parse(text)}).Keys(); !reflect.DeepEqual(got, want) {
		t.Errorf("keys = %v, want %v", got, want)
	}
}
