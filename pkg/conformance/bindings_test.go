package conformance

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/bindings"
	"github.com/valet-dev/valet/pkg/config"
)

// bindingKinds are the fixtures of testdata/conformance/bindings: a worker
// per kind whose /run exercises every call of the binding and answers what
// each returned. services runs with its other worker (startBinding);
// cron's handler is first run through the dev server (cronPrelude).
var bindingKinds = []string{"kv", "d1", "r2", "queues", "workflows", "services", "cron"}

// dashboardStates are what the bindings hold after /run, as its last
// steps list them: KV's 14 keys ("list after delete") and OTHER's one; D1's
// users (3 rows) and posts (2 from the batch, 2 from exec, 1 from the
// session); R2's 18 objects of 154 bytes ("final list").
var dashboardStates = map[string]map[string]string{
	"kv": {"KV": "14 keys", "SAME": "14 keys", "OTHER": "1 key"},
	"d1": {"DB": "2 tables, 8 rows", "OTHER": "0 tables, 0 rows"},
	"r2": {"BUCKET": "18 objects, 154 B", "OTHER": "0 objects, 0 B"},
	// The jobs queue keeps the message sent with a 12-hour delay; the others
	// were delivered. The Workflows' instances are those /run created.
	"queues": {
		"JOBS": "1 queued", "RETRIES": "0 queued", "queue consumer jobs": "1 queued",
		"queue consumer retries-dlq": "0 queued",
	},
	"workflows": {"STEPS": "13 instances", "FAILING": "1 instance"},
}

// TestWranglerBindings runs each binding fixture under valet dev and
// compares every step's answer with wrangler dev 4.86's (recorded by
// testdata/conformance/bindings/record.sh); then a second valet dev on the
// same storage sees what the first left.
func TestWranglerBindings(t *testing.T) {
	for _, kind := range bindingKinds {
		t.Run(kind, func(t *testing.T) {
			if *wranglerURL != "" {
				recordBindings(t, kind)
				return
			}
			want := readSteps(t, "bindings", kind)
			dir := fixture(t, filepath.Join("bindings", kind))
			state := t.TempDir()
			var check []byte
			t.Run("run", func(t *testing.T) {
				d := startBinding(t, dir, kind, persistTo(state))
				compareSteps(t, kind, want.Steps, bindingSteps(t, d.url, kind), nil)
				check = getBody(t, d.url+"/check")
				// What the dashboard shows for each binding once /run is done.
				p, err := config.Load(config.LoadOptions{Dir: dir})
				if err != nil {
					t.Fatal(err)
				}
				states := bindings.States(p.Config, bindings.Context{PersistTo: state})
				for name, st := range dashboardStates[kind] {
					if states[name] != st {
						t.Errorf("dashboard: %s is %q, want %q", name, states[name], st)
					}
				}
			})
			t.Run("restart keeps the data", func(t *testing.T) {
				d := startBinding(t, dir, kind, persistTo(state))
				if again := getBody(t, d.url+"/check"); !bytes.Equal(again, check) {
					t.Errorf("after a restart /check = %s\nbefore: %s", again, check)
				}
			})
		})
	}
}

// runSteps asks a fixture's /run.
func runSteps(t *testing.T, base string) []json.RawMessage {
	t.Helper()
	var steps []json.RawMessage
	if err := json.Unmarshal(getBody(t, base+"/run"), &steps); err != nil {
		t.Fatalf("/run: %v", err)
	}
	return steps
}

func getBody(t *testing.T, url string) []byte {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Minute}
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET %s = %d %s (%v)", url, res.StatusCode, trim(string(b)), err)
	}
	return b
}

// recordBindings asks the wrangler dev that record.sh started on a
// fixture and writes its answers.
func recordBindings(t *testing.T, kind string) {
	writeSteps(t, "bindings", kind, bindingSteps(t, *wranglerURL, kind))
}
