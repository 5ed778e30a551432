package conformance

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/internal/testfs"
)

// Recording mode: testdata/compat/record.sh starts `wrangler dev` on the
// compatibility fixture and runs TestCompat against it with -compat-record,
// writing what wrangler answered instead of comparing.
var (
	compatRecord   = flag.String("compat-record", "", "record the answers of the wrangler dev at this URL into testdata/compat (see testdata/compat/README.md)")
	compatRecorder = flag.String("compat-recorder", "", "who answered the recording (wrangler and workerd versions), written beside the answers")
)

// compatDir is the fixture: a worker with one route per case.
var compatDir = filepath.Join("..", "..", "testdata", "compat", "worker")

// compatAnswersPath holds wrangler dev's answers.
var compatAnswersPath = filepath.Join("..", "..", "testdata", "compat", "wrangler-answers.json")

// compatAnswer is one case's answer. Body is the JSON the worker sent.
type compatAnswer struct {
	Case        string          `json:"case"`
	Status      int             `json:"status"`
	ContentType string          `json:"content_type"`
	Body        json.RawMessage `json:"body"`
}

type compatRecording struct {
	Recorder string         `json:"recorder"`
	Answers  []compatAnswer `json:"answers"`
}

// TestCompat runs the compatibility fixture (popular npm packages and the
// Web APIs workers use, one route per case) under one valet dev session and
// compares each answer with wrangler dev's.
func TestCompat(t *testing.T) {
	if *compatRecord != "" {
		recordCompat(t, *compatRecord)
		return
	}
	want := readCompatRecording(t)
	dir := testfs.Fixture(t, compatDir)
	testfs.NpmInstall(t, dir)
	d := startDevIn(t, dir, "")
	got := askCompat(t, d.url)
	if g, w := caseNames(got), caseNames(want.Answers); !slices.Equal(g, w) {
		t.Fatalf("valet dev serves the cases %v, the recording has %v: run testdata/compat/record.sh again", g, w)
	}
	equal := 0
	for i, w := range want.Answers {
		t.Run(w.Case, func(t *testing.T) {
			if diff := compareCompat(w, got[i]); diff != "" {
				t.Errorf("GET /%s differs from %s:\n%s", w.Case, want.Recorder, diff)
				return
			}
			equal++
		})
	}
	t.Logf("%d of %d cases answer as %s", equal, len(want.Answers), want.Recorder)
}

// compareCompat returns how valet's answer g differs from wrangler's w, or "".
func compareCompat(w, g compatAnswer) string {
	var diff string
	if w.Status != g.Status {
		diff += fmt.Sprintf("status %d, wrangler %d\n", g.Status, w.Status)
	}
	if w.ContentType != g.ContentType {
		diff += fmt.Sprintf("Content-Type %q, wrangler %q\n", g.ContentType, w.ContentType)
	}
	if !reflect.DeepEqual(decodeJSON(w.Body), decodeJSON(g.Body)) {
		diff += fmt.Sprintf("body     %s\nwrangler %s\n", compactJSON(g.Body), compactJSON(w.Body))
	}
	return diff
}

// decodeJSON is the value b holds, numbers as written.
func decodeJSON(b []byte) any {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return string(b)
	}
	return v
}

// compactJSON is b without the recording's indentation.
func compactJSON(b []byte) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return b
	}
	return buf.Bytes()
}

func caseNames(as []compatAnswer) []string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.Case
	}
	return names
}

func readCompatRecording(t *testing.T) compatRecording {
	t.Helper()
	b, err := os.ReadFile(compatAnswersPath)
	if err != nil {
		t.Fatalf("no recording of wrangler dev: %v (run testdata/compat/record.sh)", err)
	}
	var rec compatRecording
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatalf("%s: %v", compatAnswersPath, err)
	}
	if len(rec.Answers) == 0 {
		t.Fatalf("%s: no answers", compatAnswersPath)
	}
	return rec
}

// recordCompat asks the wrangler dev that record.sh started and writes its
// answers.
func recordCompat(t *testing.T, base string) {
	if *compatRecorder == "" {
		t.Fatal("-compat-recorder is required with -compat-record")
	}
	rec := compatRecording{Recorder: *compatRecorder, Answers: askCompat(t, base)}
	// HTML left as the worker wrote it, to read the recording.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rec); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(compatAnswersPath, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d answers of %s in %s", len(rec.Answers), rec.Recorder, compatAnswersPath)
}

// compatClient gives each case time for its work (RSA, bcrypt, React
// streaming) on a loaded machine.
var compatClient = &http.Client{Timeout: 30 * time.Second}

// askCompat lists the cases (GET /) and asks each in turn.
func askCompat(t *testing.T, base string) []compatAnswer {
	t.Helper()
	list := getCompat(t, base, "")
	var names []string
	if list.Status != http.StatusOK || json.Unmarshal(list.Body, &names) != nil || len(names) == 0 {
		t.Fatalf("GET / = %d %s; want the list of cases", list.Status, list.Body)
	}
	answers := make([]compatAnswer, len(names))
	for i, name := range names {
		answers[i] = getCompat(t, base, name)
	}
	return answers
}

func getCompat(t *testing.T, base, name string) compatAnswer {
	t.Helper()
	res, err := compatClient.Get(base + "/" + name)
	if err != nil {
		t.Fatalf("GET /%s: %v", name, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET /%s: %v", name, err)
	}
	if !json.Valid(body) {
		// Not the fixture's own answer (a runtime error page): kept as a
		// JSON string so that the recording stays JSON.
		body, _ = json.Marshal(string(body))
	}
	return compatAnswer{Case: name, Status: res.StatusCode, ContentType: res.Header.Get("Content-Type"), Body: body}
}
