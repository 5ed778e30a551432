package conformance

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stepRecording is what wrangler dev answered to a fixture's /run, step by
// step; record.sh of each suite (bindings, platform) writes one per fixture.
type stepRecording struct {
	Wrangler string            `json:"wrangler"`
	Steps    []json.RawMessage `json:"steps"` // [name, answer]
}

func stepsPath(suite, kind string) string {
	return filepath.Join("..", "..", "testdata", "conformance", suite, "wrangler-answers", kind+".json")
}

// readSteps reads wrangler dev's answers for a fixture of suite.
func readSteps(t *testing.T, suite, kind string) stepRecording {
	t.Helper()
	b, err := os.ReadFile(stepsPath(suite, kind))
	if err != nil {
		t.Fatalf("no recording of wrangler dev for %s/%s: %v", suite, kind, err)
	}
	var rec stepRecording
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatalf("%s: %v", stepsPath(suite, kind), err)
	}
	return rec
}

// writeSteps writes the answers of the wrangler dev that record.sh
// started on a fixture of suite.
func writeSteps(t *testing.T, suite, kind string, steps []json.RawMessage) {
	t.Helper()
	if *wranglerVersion == "" {
		t.Fatal("-wrangler-version is required with -wrangler-url")
	}
	b, err := json.MarshalIndent(stepRecording{Wrangler: *wranglerVersion, Steps: steps}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := stepsPath(suite, kind)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// stepDifference is a step where valet answers otherwise than wrangler dev
// on purpose: why, and what valet's answer must be instead.
type stepDifference struct {
	why   string
	check func(answer any) bool
}

// compareSteps compares answers step by step, by their JSON values: each
// must be wrangler dev's, but the steps in diffs, whose answers must pass
// their check instead; the steps run are wrangler dev's, in its order.
// Where workerd's bundled modules answer otherwise than Miniflare, the
// kinds' front workers (pkg/bindings/js) make the answer wrangler dev's.
func compareSteps(t *testing.T, kind string, want, got []json.RawMessage, diffs map[string]stepDifference) {
	t.Helper()
	index := func(steps []json.RawMessage) ([]string, map[string]any) {
		var names []string
		by := map[string]any{}
		for _, s := range steps {
			var pair []any
			if err := json.Unmarshal(s, &pair); err != nil || len(pair) != 2 {
				t.Fatalf("step %s is not [name, answer]", s)
			}
			name, _ := pair[0].(string)
			names = append(names, name)
			by[name] = pair[1]
		}
		return names, by
	}
	wantNames, wantBy := index(want)
	gotNames, gotBy := index(got)
	same := 0
	for _, name := range wantNames {
		g, ok := gotBy[name]
		wj, _ := json.Marshal(wantBy[name])
		gj, _ := json.Marshal(g)
		diff, known := diffs[name]
		switch {
		case !ok:
			t.Errorf("%s: valet dev has no step %q", kind, name)
		case known:
			if !diff.check(g) {
				t.Errorf("%s: %q = %s; valet differs from wrangler dev (%s) on purpose: %s", kind, name, gj, wj, diff.why)
			}
		case bytes.Equal(wj, gj):
			same++
		default:
			t.Errorf("%s: %q\nwrangler dev: %s\nvalet dev:    %s", kind, name, wj, gj)
		}
	}
	if strings.Join(gotNames, "\n") != strings.Join(wantNames, "\n") {
		t.Errorf("%s: valet dev ran steps %q, wrangler dev %q", kind, gotNames, wantNames)
	}
	t.Logf("%s: %d of %d steps answer as wrangler dev does", kind, same, len(want))
}
