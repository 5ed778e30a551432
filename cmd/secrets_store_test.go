package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/secretsstore"
)

// The secrets-store commands keep the values where valet dev's
// secrets_store_secrets bindings read them: PersistTo/secrets-store.
func TestSecretsStoreCommands(t *testing.T) {
	state := t.TempDir()
	code, out, errOut := runValet(t, "secrets-store", "secret", "create", "store1", "--name", "api-key", "--value", "s3cret", "--scopes", "workers,ai", "--persist-to", state)
	if code != 0 || !strings.Contains(errOut, "created secret api-key in store store1") {
		t.Fatalf("create: exit %d\n%s%s", code, out, errOut)
	}
	id := strings.TrimSpace(out)
	b, err := os.ReadFile(filepath.Join(state, "secrets-store", "store1", "api-key.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sec secretsstore.Secret
	if err := json.Unmarshal(b, &sec); err != nil || sec.Value != "s3cret" || sec.ID != id || strings.Join(sec.Scopes, ",") != "workers,ai" {
		t.Errorf("stored %s (%v), id %q", b, err, id)
	}
	if fi, _ := os.Stat(filepath.Join(state, "secrets-store", "store1", "api-key.json")); fi.Mode().Perm() != 0o600 {
		t.Errorf("the secret's file is %v, want 0600", fi.Mode().Perm())
	}

	code, out, _ = runValet(t, "secrets-store", "secret", "list", "store1", "--persist-to", state)
	if code != 0 || !strings.HasPrefix(out, "api-key\t"+id+"\tworkers,ai") || strings.Contains(out, "s3cret") {
		t.Errorf("list: exit %d %q", code, out)
	}
	code, _, errOut = runValet(t, "secrets-store", "secret", "update", "store1", "--secret-id", id, "--value", "n3w", "--persist-to", state)
	if code != 0 {
		t.Fatalf("update: exit %d %s", code, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(state, "secrets-store", "store1", "api-key.json")); !strings.Contains(string(b), `"value": "n3w"`) {
		t.Errorf("after update: %s", b)
	}
	code, _, errOut = runValet(t, "secrets-store", "secret", "delete", "store1", "--secret-id", "nope", "--persist-to", state)
	if code != 2 || !strings.Contains(errOut, "secret not found: nope") {
		t.Errorf("delete of an unknown id: exit %d %s", code, errOut)
	}
	code, _, errOut = runValet(t, "secrets-store", "secret", "delete", "store1", "--secret-id", id, "--persist-to", state)
	if code != 0 || !strings.Contains(errOut, "deleted secret api-key from store store1") {
		t.Errorf("delete: exit %d %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(state, "secrets-store", "store1", "api-key.json")); !os.IsNotExist(err) {
		t.Errorf("the secret's file is still there: %v", err)
	}
}

func TestSecretsStoreUsageErrors(t *testing.T) {
	state := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "s", "--name", "a b", "--value", "v", "--scopes", "workers"}, "may only contain alphanumeric characters, underscores, or dashes"},
		{[]string{"create", "../x", "--name", "a", "--value", "v", "--scopes", "workers"}, `store id "../x"`},
		{[]string{"create", "s", "--name", "a", "--value", "v"}, `give the secret's scopes with --scopes`},
		{[]string{"list", "s", "--remote"}, "valet has no remote Secrets Store"},
	} {
		args := append(append([]string{"secrets-store", "secret"}, tc.args...), "--persist-to", state)
		code, _, errOut := runValet(t, args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("valet %s: exit %d, stderr %q, want 2 and %q", strings.Join(args, " "), code, errOut, tc.want)
		}
	}
}
