package bindings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
)

func storageConfig() *config.Config {
	return &config.Config{
		Name:         "app",
		KVNamespaces: []config.KVNamespace{{Binding: "KV", ID: "ns1"}, {Binding: "CACHE"}},
		D1Databases:  []config.D1Database{{Binding: "DB", DatabaseName: "main", DatabaseID: "uuid-1"}},
		R2Buckets:    []config.R2Bucket{{Binding: "FILES", BucketName: "files"}},
	}
}

// Each storage binding is configured as workerd's own wrangler.jsonc
// support configures it, and its services are added once.
func TestStorageBindingsWorkerd(t *testing.T) {
	ctx := Context{PersistTo: t.TempDir(), Services: &Services{}, SocketDir: t.TempDir()}
	wb, err := Workerd(storageConfig(), ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, b := range wb {
		got[b.Name] = b.Member + " " + b.Value
	}
	want := map[string]string{
		"KV":    `kvNamespace (name = "valet-kv-ns-ns1")`,
		"CACHE": `kvNamespace (name = "valet-kv-ns-CACHE")`,
		"DB":    `wrapped (moduleName = "cloudflare-internal:d1-api", innerBindings = [(name = "fetcher", service = (name = "valet-d1-db-uuid-1"))])`,
		"FILES": `r2Bucket (name = "valet-r2-files")`,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %s\nwant %s", k, got[k], v)
		}
	}
	var names []string
	for _, s := range ctx.Services.List() {
		names = append(names, s.Name)
	}
	if strings.Join(names, " ") != "valet-kv valet-kv-storage valet-kv-blobs valet-kv-ns-ns1 valet-kv-ns-CACHE valet-d1 valet-d1-storage valet-d1-db-uuid-1 valet-r2-files" {
		t.Errorf("services %v", names)
	}
	for _, s := range ctx.Services.List() {
		switch s.Name {
		case "valet-kv":
			for _, part := range []string{`bundled = "/workerd/kv.js"`, `uniqueKey = "KVNamespace"`, `enableSql = true`, `localDisk = "valet-kv-storage"`, `service = "valet-kv-blobs"`} {
				if !strings.Contains(s.Value, part) {
					t.Errorf("valet-kv lacks %s: %s", part, s.Value)
				}
			}
		case "valet-kv-ns-ns1":
			if !strings.Contains(s.Value, `props = (json = "{\"namespace\":\"ns1\"}")`) {
				t.Errorf("front of ns1: %s", s.Value)
			}
		case "valet-d1-db-uuid-1":
			if !strings.Contains(s.Value, `(name = "DB", service = (name = "valet-d1", props = (json = "{\"database\":\"uuid-1\"}")))`) {
				t.Errorf("front of uuid-1: %s", s.Value)
			}
		case "valet-r2-files":
			if !strings.Contains(s.Value, `injectRequestHeaders = [(name = "X-Valet-R2-Bucket", value = "files")]`) {
				t.Errorf("r2 service: %s", s.Value)
			}
		}
	}
	if hs := ctx.Services.Handlers(); len(hs) != 1 || hs[0].Name != "valet-r2" {
		t.Errorf("handlers %+v", hs)
	}
}

func TestStorageBindingsNeedAStorageDir(t *testing.T) {
	_, err := Workerd(storageConfig(), Context{Services: &Services{}})
	if err == nil || !strings.Contains(err.Error(), "needs a directory for its data") {
		t.Errorf("err = %v", err)
	}
}

// The types are wrangler types's.
func TestStorageBindingTypes(t *testing.T) {
	types, err := Types(storageConfig(), nil, TypeContext{})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"KV": "KVNamespace", "CACHE": "KVNamespace", "DB": "D1Database", "FILES": "R2Bucket"} {
		if types[k] != v {
			t.Errorf("type of %s = %q, want %q", k, types[k], v)
		}
	}
}

func TestObjectID(t *testing.T) {
	// The id workerd 1.20261117.1 gave idFromName("db1") in a namespace
	// whose uniqueKey is "D1Database" (the name of its SQLite file).
	if got := ObjectID("D1Database", "db1"); got != "b0e5e6ac2d63f14be05bca95699629ea2a62a9b061f3c186e6c3e273d03f9fa5" {
		t.Errorf("ObjectID = %s", got)
	}
}

func TestStateOfEmptyStorage(t *testing.T) {
	ctx := Context{PersistTo: t.TempDir()}
	var got []string
	for _, b := range List(storageConfig(), nil) {
		if b.Kind.State == nil {
			continue
		}
		s, err := b.Kind.State(b, ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b.Name+": "+s)
	}
	if strings.Join(got, "; ") != "KV: 0 keys; CACHE: 0 keys; DB: 0 tables, 0 rows; FILES: 0 objects, 0 B" {
		t.Errorf("states %v", got)
	}
}

// On a host, a bucket with s3 is kept in that store, with the credentials
// of the secrets it names; in dev it stays on disk.
func TestR2BucketInS3(t *testing.T) {
	c := &config.Config{R2Buckets: []config.R2Bucket{{Binding: "FILES", BucketName: "files", S3: &config.R2S3{
		Endpoint: "http://127.0.0.1:9", Bucket: "store", AccessKeyIDSecret: "S3_KEY", SecretAccessKeySecret: "S3_SECRET"}}}}
	host := Context{PersistTo: t.TempDir(), Services: &Services{}, SocketDir: t.TempDir(), Secrets: map[string]string{"S3_KEY": "k"}}
	_, err := Workerd(c, host)
	if err == nil || !strings.Contains(err.Error(), `s3.secret_access_key_secret names the secret "S3_SECRET", which is not set on the host: run valet secret put S3_SECRET`) {
		t.Errorf("missing secret: %v", err)
	}
	host.Services, host.Secrets = &Services{}, map[string]string{"S3_KEY": "k", "S3_SECRET": "s"}
	if _, err := Workerd(c, host); err != nil {
		t.Fatal(err)
	}
	dev := Context{PersistTo: t.TempDir(), Services: &Services{}, SocketDir: t.TempDir(), Dev: true}
	if _, err := Workerd(c, dev); err != nil {
		t.Fatalf("dev needs no credentials: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dev.PersistTo, "r2", "files", "index.sqlite")); err != nil {
		t.Errorf("dev keeps the bucket on disk: %v", err)
	}
	if _, err := os.Stat(filepath.Join(host.PersistTo, "r2", "files")); err == nil {
		t.Error("the host made a disk bucket for an S3 one")
	}
}
