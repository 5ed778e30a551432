package bindings

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/config"
)

func platformConfig() *config.Config {
	return &config.Config{
		Name: "app",
		Hyperdrive: []config.Hyperdrive{{Binding: "HYPERDRIVE", ID: "x",
			LocalConnectionString: "postgresql://us%40er:p%2Fw@127.0.0.1:6543/my%20db"}},
		RateLimits:      []config.RateLimit{{Name: "LIMITER", NamespaceID: "1001", Simple: config.RateLimitSimple{Limit: 5, Period: 60}}},
		VersionMetadata: &config.VersionMetadata{Binding: "CF_VERSION_METADATA"},
		SendEmail:       []config.SendEmail{{Name: "EMAIL", AllowedSenderAddresses: []string{"me@example.com"}}},
		SecretsStoreSecrets: []config.SecretsStoreSecret{
			{Binding: "API_KEY", StoreID: "store1", SecretName: "api-key"},
		},
		AnalyticsEngineDatasets: []config.AnalyticsEngineDataset{{Binding: "AE", Dataset: "events"}},
		AI:                      &config.AI{Binding: "AI"},
		Browser:                 &config.Browser{Binding: "BROWSER"},
	}
}

// Each platform kind gives workerd its binding, the services and the
// extension modules it needs, and keeps its data under PersistTo.
func TestPlatformWorkerd(t *testing.T) {
	state := t.TempDir()
	ctx := Context{PersistTo: state, Services: &Services{}, VersionID: "v-1", VersionTime: time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)}
	wb, err := Workerd(platformConfig(), ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, b := range wb {
		got[b.Name] = b.Member + " " + b.Value
	}
	for name, want := range map[string]string{
		// The URL's escapes are decoded, as wrangler dev decodes them.
		"HYPERDRIVE": `hyperdrive (designator = (name = "valet-hyperdrive-HYPERDRIVE"), database = "my db", user = "us@er", password = "p/w", scheme = "postgresql")`,
		"LIMITER": `wrapped (moduleName = "valet-internal:ratelimit", innerBindings = [(name = "namespaceId", json = "\"1001\""), ` +
			`(name = "limit", json = "5"), (name = "period", json = "60")])`,
		"CF_VERSION_METADATA": `json "{\"id\":\"v-1\",\"tag\":\"\",\"timestamp\":\"2026-01-02T03:04:05.006Z\"}"`,
		"EMAIL":               `service (name = "valet-send-email-EMAIL", entrypoint = "SendEmailBinding")`,
		"API_KEY": `service (name = "valet-secrets-store", entrypoint = "SecretsStoreSecret", ` +
			`props = (json = "{\"secret_name\":\"api-key\",\"store_id\":\"store1\"}"))`,
		"AE": `wrapped (moduleName = "valet-internal:analytics-engine", innerBindings = [(name = "dataset", json = "\"events\""), ` +
			`(name = "store", service = "valet-analytics-engine")])`,
	} {
		if got[name] != want {
			t.Errorf("%s = %s\nwant     %s", name, got[name], want)
		}
	}
	for _, name := range []string{"AI", "BROWSER"} {
		if !strings.HasPrefix(got[name], `wrapped (moduleName = "valet-internal:unavailable"`) || !strings.Contains(got[name], `json = "\"`+name+`\""`) {
			t.Errorf("%s = %s, want the unavailable module naming the binding", name, got[name])
		}
	}

	services := map[string]string{}
	for _, s := range ctx.Services.List() {
		services[s.Name] = s.Value
	}
	for name, want := range map[string]string{
		"valet-hyperdrive-HYPERDRIVE": `external = (address = "127.0.0.1:6543", tcp = ())`,
		"valet-analytics-engine":      `disk = (path = "` + filepath.Join(state, "analytics-engine") + `", writable = true)`,
		"valet-email-outbox":          `disk = (path = "` + filepath.Join(state, "email") + `", writable = true)`,
		// The worker reads the store; only valet's CLI writes it.
		"valet-secrets-store-disk": `disk = (path = "` + filepath.Join(state, "secrets-store") + `", writable = false)`,
	} {
		if services[name] != want {
			t.Errorf("service %s = %s\nwant %s", name, services[name], want)
		}
	}
	for _, name := range []string{"valet-send-email-EMAIL", "valet-secrets-store"} {
		if !strings.HasPrefix(services[name], "worker = ") {
			t.Errorf("service %s = %q, want a worker", name, services[name])
		}
	}
	if !strings.Contains(services["valet-send-email-EMAIL"], `(name = "allowed_sender_addresses", json = "[\"me@example.com\"]")`) {
		t.Errorf("the email worker lacks the binding's allowed senders: %s", services["valet-send-email-EMAIL"])
	}
	for _, dir := range []string{"analytics-engine", "email", "secrets-store"} {
		if fi, err := os.Stat(filepath.Join(state, dir)); err != nil || !fi.IsDir() {
			t.Errorf("%s/ not created: %v", dir, err)
		}
	}
	var mods []string
	for _, m := range ctx.Services.Extensions() {
		mods = append(mods, m.Name)
		if !m.Internal {
			t.Errorf("extension %s is not internal: the worker could import it", m.Name)
		}
	}
	want := "cloudflare-internal:email valet-internal:analytics-engine valet-internal:ratelimit valet-internal:unavailable"
	slices.Sort(mods)
	if got := strings.Join(mods, " "); got != want {
		t.Errorf("extensions %s, want %s", got, want)
	}
}

// Without a local connection string, or with one wrangler dev refuses,
// valet dev does not start, and says what to set.
func TestHyperdriveConnectionStringErrors(t *testing.T) {
	for _, c := range []struct{ conn, want string }{
		{"", "CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_DB"},
		{"127.0.0.1:5432", "not a URL"},
		{"redis://u:p@h/db", "only PostgreSQL-compatible or MySQL-compatible databases"},
		{"postgres://u:p@/db", "no host name"},
		{"postgres://u:p@h", "names no database"},
		{"postgres://:p@h/db", "no user name"},
		{"postgres://u@h/db", "no password"},
		{"postgres://u:p@h/db?sslmode=require", "sslmode=require"},
		{"mysql://u:p@h/db?ssl-mode=REQUIRED", "ssl-mode=require"},
	} {
		h := config.Hyperdrive{Binding: "DB", ID: "x", LocalConnectionString: c.conn}
		_, err := Workerd(&config.Config{Hyperdrive: []config.Hyperdrive{h}}, Context{Services: &Services{}})
		var ce *config.Error
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &ce) || ce.ExitCode() != 2 {
			t.Errorf("%q: err = %v, want a config error (exit 2) saying %q", c.conn, err, c.want)
		}
	}
	for conn, addr := range map[string]string{
		"postgres://u:p@localhost/db":                "localhost:5432",
		"mysql://u:p@db.internal/app":                "db.internal:3306",
		"postgresql://u:p@[::1]:7000/db":             "[::1]:7000",
		"postgres://u:p@h/db?sslmode=prefer":         "h:5432",
		"mysql://u:p@h/db?ssl-mode=DISABLED&x=1":     "h:3306",
		"postgres://u:p@h:5433/db?sslmode=disable&a": "h:5433",
	} {
		ctx := Context{Services: &Services{}}
		if _, err := Workerd(&config.Config{Hyperdrive: []config.Hyperdrive{{Binding: "DB", LocalConnectionString: conn}}}, ctx); err != nil {
			t.Errorf("%s: %v", conn, err)
			continue
		}
		if v := ctx.Services.List()[0].Value; !strings.Contains(v, `address = "`+addr+`"`) {
			t.Errorf("%s: service %s, want address %s", conn, v, addr)
		}
	}
}

// The environment's connection string wins over the config's, as in
// wrangler dev; the older variable name still works.
func TestHyperdriveFromEnv(t *testing.T) {
	c := &config.Config{Hyperdrive: []config.Hyperdrive{
		{Binding: "A", LocalConnectionString: "postgres://u:p@config/a"},
		{Binding: "B", LocalConnectionString: "postgres://u:p@config/b"},
		{Binding: "C"},
	}}
	env := map[string]string{
		"CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_A": "postgres://u:p@env/a",
		"WRANGLER_HYPERDRIVE_LOCAL_CONNECTION_STRING_C":   "postgres://u:p@old/c",
	}
	got, notes := HyperdriveFromEnv(c, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	want := []string{"postgres://u:p@env/a", "postgres://u:p@config/b", "postgres://u:p@old/c"}
	for i, h := range got.Hyperdrive {
		if h.LocalConnectionString != want[i] {
			t.Errorf("%s = %s, want %s", h.Binding, h.LocalConnectionString, want[i])
		}
	}
	if c.Hyperdrive[0].LocalConnectionString != "postgres://u:p@config/a" {
		t.Error("the config given was modified")
	}
	if len(notes) != 2 || !strings.Contains(notes[1], "deprecated") {
		t.Errorf("notes %q", notes)
	}
	if same, notes := HyperdriveFromEnv(c, func(string) (string, bool) { return "", false }); same != c || notes != nil {
		t.Error("without variables the config is not returned as is")
	}
}

// The types wrangler types 4.86 writes for these kinds.
func TestPlatformTypes(t *testing.T) {
	types, err := Types(platformConfig(), nil, TypeContext{WorkerName: "app"})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"HYPERDRIVE": "Hyperdrive", "LIMITER": "RateLimit", "CF_VERSION_METADATA": "WorkerVersionMetadata",
		"EMAIL": "SendEmail", "API_KEY": "SecretsStoreSecret", "AE": "AnalyticsEngineDataset",
		"AI": "Ai", "BROWSER": "Fetcher",
	} {
		if types[name] != want {
			t.Errorf("type of %s = %q, want %q", name, types[name], want)
		}
	}
	if values := Values(platformConfig(), []string{"S"}); len(values) != 1 || !values["S"] {
		t.Errorf("value bindings %v, want the secret only", values)
	}
}
