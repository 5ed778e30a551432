package conformance

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/devserver"
	"github.com/valet-dev/valet/pkg/internal/testfs"
	"github.com/valet-dev/valet/pkg/secretsstore"
)

// platformKinds are the fixtures of testdata/conformance/platform: a worker
// per binding kind whose /run makes every call of the binding and answers
// what each returned.
var platformKinds = []string{"ratelimit", "version-metadata", "email", "secrets-store", "analytics", "unavailable", "hyperdrive", "hyperdrive-mysql"}

// platformDifferences are the steps where valet answers otherwise than
// wrangler dev on purpose, each with why; check says what valet's answer
// must be instead.
var platformDifferences = map[string]map[string]stepDifference{
	"unavailable": {
		// wrangler dev --local says "Binding AI needs to be run remotely";
		// valet names the binding and says there is no local
		// implementation (issue 14).
		"AI.run": {"valet names the binding and says it has no local implementation", unavailableError("env.AI.run()", "Workers AI")},
		// wrangler dev --local launches a Chrome it downloads (and answers
		// a 500 offline); valet has no Browser Rendering.
		"BROWSER.fetch": {"valet names the binding and says it has no local implementation", unavailableError("env.BROWSER.fetch()", "Browser Rendering")},
	},
}

func unavailableError(call, product string) func(any) bool {
	return func(a any) bool {
		m, _ := a.(map[string]any)
		msg, _ := m["error"].(string)
		return m["name"] == "Error" && strings.HasPrefix(msg, call+": "+product+" has no local implementation")
	}
}

// TestWranglerPlatform runs each platform fixture under valet dev and
// compares every step's answer with wrangler dev 4.86's (recorded by
// testdata/conformance/platform/record.sh), then checks what valet keeps
// locally (the email outbox, the Analytics Engine points).
func TestWranglerPlatform(t *testing.T) {
	for _, kind := range platformKinds {
		t.Run(kind, func(t *testing.T) {
			if *wranglerURL != "" {
				recordPlatform(t, kind)
				return
			}
			want := readSteps(t, "platform", kind)
			dir := fixture(t, filepath.Join("platform", kind))
			state := t.TempDir()
			flags := []func(*devserver.Options){persistTo(state)}
			switch kind {
			case "secrets-store":
				// As record.sh runs `wrangler secrets-store secret create
				// store1 --name api-key --value s3cret-value --scopes workers`.
				store := &secretsstore.Store{Dir: filepath.Join(state, "secrets-store")}
				if _, err := store.Create("store1", "api-key", "s3cret-value", "", []string{"workers"}); err != nil {
					t.Fatal(err)
				}
			case "hyperdrive", "hyperdrive-mysql":
				testfs.NpmInstall(t, dir)
				var url string
				if kind == "hyperdrive" {
					url = startPostgres(t).url()
				} else {
					url = startMariaDB(t)
				}
				flags = append(flags, func(o *devserver.Options) {
					o.Environ = []string{"CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE=" + url}
				})
			}
			d, err := tryDevIn(t, dir, "", flags...)
			if err != nil {
				t.Fatalf("dev ended before ready: %v", err)
			}
			compareSteps(t, kind, want.Steps, platformRun(t, d.url), platformDifferences[kind])
			switch kind {
			case "email":
				checkOutbox(t, filepath.Join(state, "email"))
			case "analytics":
				checkDataPoints(t, filepath.Join(state, "analytics-engine"))
			}
		})
	}
}

func platformRun(t *testing.T, base string) []json.RawMessage {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Minute}
	res, err := c.Get(base + "/run")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET /run = %d %s (%v)", res.StatusCode, trim(string(b)), err)
	}
	var steps []json.RawMessage
	if err := json.Unmarshal(b, &steps); err != nil {
		t.Fatalf("/run: %v: %s", err, trim(string(b)))
	}
	return steps
}

// checkOutbox checks the outbox holds the messages the email fixture sent
// (its SENT), in wrangler dev's layout.
func checkOutbox(t *testing.T, dir string) {
	t.Helper()
	read := func(sub string) []string {
		files, _ := filepath.Glob(filepath.Join(dir, sub, "*"))
		var out []string
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, filepath.Ext(f)+" "+string(b))
		}
		sort.Strings(out)
		return out
	}
	// The raw messages accepted: "raw", "raw as a stream",
	// "destination_address" and "allowed addresses".
	var emls []string
	for _, m := range []struct{ to, id string }{
		{"you@example.com", "<m1@example.com>"}, {"you@example.com", "<m2@example.com>"},
		{"one@example.com", "<m3@example.com>"}, {"b@example.com", "<m4@example.com>"},
	} {
		emls = append(emls, ".eml From: Me <me@example.com>\r\nTo: "+m.to+"\r\nMessage-ID: "+m.id+"\r\nSubject: hello\r\n\r\nbody text")
	}
	sort.Strings(emls)
	for _, c := range []struct {
		sub  string
		want []string
	}{
		{"email", emls},
		{"email-text", []string{".txt plain body", ".txt second body"}},
		{"email-html", []string{".html <p>html body</p>"}},
		{"email-attachment", []string{".txt attached"}},
	} {
		if got := read(c.sub); strings.Join(got, "\n--\n") != strings.Join(c.want, "\n--\n") {
			t.Errorf("outbox %s/ holds %q\nwant %q", c.sub, got, c.want)
		}
	}
}

// checkDataPoints checks the points the analytics fixture wrote are in
// valet's local files, in the order written.
func checkDataPoints(t *testing.T, dir string) {
	t.Helper()
	type point struct {
		Timestamp string    `json:"timestamp"`
		Dataset   string    `json:"dataset"`
		Indexes   []string  `json:"indexes"`
		Blobs     []string  `json:"blobs"`
		Doubles   []float64 `json:"doubles"`
	}
	read := func(dataset string) []point {
		// The writes finish after the response: wait for them.
		var files []string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if files, _ = filepath.Glob(filepath.Join(dir, dataset, "*.json")); len(files) >= map[string]int{"events": 4, "dataset": 1}[dataset] {
				break
			}
		}
		sort.Strings(files)
		var out []point
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var p point
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if _, err := time.Parse(time.RFC3339Nano, p.Timestamp); err != nil {
				t.Errorf("%s: timestamp %q", f, p.Timestamp)
			}
			p.Timestamp = ""
			out = append(out, p)
		}
		return out
	}
	j := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	want := []point{
		{Dataset: "events", Indexes: []string{"user-1"}, Blobs: []string{"GET", "/a"}, Doubles: []float64{200, 1.5}},
		{Dataset: "events", Indexes: []string{}, Blobs: []string{"bytes"}, Doubles: []float64{}},
		{Dataset: "events", Indexes: []string{}, Blobs: []string{}, Doubles: []float64{}},
		{Dataset: "events", Indexes: []string{}, Blobs: []string{}, Doubles: []float64{}},
	}
	if got := read("events"); j(got) != j(want) {
		t.Errorf("events points:\n%s\nwant\n%s", j(got), j(want))
	}
	wantDefault := []point{{Dataset: "dataset", Indexes: []string{}, Blobs: []string{"x"}, Doubles: []float64{}}}
	if got := read("dataset"); j(got) != j(wantDefault) {
		t.Errorf("default dataset points:\n%s\nwant\n%s", j(got), j(wantDefault))
	}
}

// recordPlatform asks the wrangler dev that record.sh started on a
// fixture and writes its answers.
func recordPlatform(t *testing.T, kind string) {
	writeSteps(t, "platform", kind, platformRun(t, *wranglerURL))
}

// TestHyperdriveLocalConnectionString runs the hyperdrive fixture with its
// database named by the config's localConnectionString instead of the
// environment: the answers are wrangler dev's all the same. Without either,
// valet dev does not start and says what to set, as wrangler dev.
func TestHyperdriveLocalConnectionString(t *testing.T) {
	want := readSteps(t, "platform", "hyperdrive")
	dir := fixture(t, filepath.Join("platform", "hyperdrive"))
	cfg := filepath.Join(dir, "wrangler.jsonc")
	orig, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const placeholder = "postgresql://valet:valet-pw@127.0.0.1:1/valetdb"
	if !bytes.Contains(orig, []byte(placeholder)) {
		t.Fatalf("the fixture's config lacks %s", placeholder)
	}
	testfs.NpmInstall(t, dir)
	t.Run("missing", func(t *testing.T) {
		if err := os.WriteFile(cfg, bytes.Replace(orig, []byte(`"localConnectionString": "`+placeholder+`"`), []byte(`"localConnectionString": ""`), 1), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := tryDevIn(t, dir, "")
		if err == nil || !strings.Contains(err.Error(), "CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE") {
			t.Fatalf("dev without a connection string: %v", err)
		}
	})
	t.Run("in the config", func(t *testing.T) {
		pg := startPostgres(t)
		if err := os.WriteFile(cfg, bytes.Replace(orig, []byte(placeholder), []byte(pg.url()), 1), 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := tryDevIn(t, dir, "", persistTo(t.TempDir()))
		if err != nil {
			t.Fatalf("dev ended before ready: %v", err)
		}
		compareSteps(t, "hyperdrive", want.Steps, platformRun(t, d.url), platformDifferences["hyperdrive"])
	})
}
