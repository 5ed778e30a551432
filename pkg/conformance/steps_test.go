package conformance

import (
	"encoding/json"
	"os"
	"path/filepath"
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
