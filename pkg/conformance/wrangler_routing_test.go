package conformance

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/internal/testfs"
)

// Recording mode: testdata/conformance/hono-spa/record.sh starts
// `wrangler dev` on each config and runs this test against it with
// -wrangler-url, writing what wrangler answered instead of comparing.
var (
	wranglerURL     = flag.String("wrangler-url", "", "record the answers of the wrangler dev at this URL (see testdata/conformance/hono-spa/README.md)")
	wranglerVersion = flag.String("wrangler-version", "", "the version of the wrangler recorded, written beside its answers")
)

// honoSPAConfigs are the configs of testdata/conformance/hono-spa, one
// routing branch each: static routing with each not_found_handling and
// html_handling, Sec-Fetch-Mode deciding (on, off by flag, off by date),
// run_worker_first true, and no worker.
var honoSPAConfigs = []string{
	"wrangler.jsonc",
	"404-page.wrangler.jsonc",
	"none.wrangler.jsonc",
	"drop-slash.wrangler.jsonc",
	"force-slash.wrangler.jsonc",
	"navigate.wrangler.jsonc",
	"navigate-404.wrangler.jsonc",
	"navigate-off.wrangler.jsonc",
	"navigate-old.wrangler.jsonc",
	"worker-first.wrangler.jsonc",
	"assets-only.wrangler.jsonc",
}

// routingRequest is one request of the table.
type routingRequest struct {
	Method   string `json:"method"`
	Path     string `json:"path"`
	Navigate bool   `json:"navigate,omitempty"` // Sec-Fetch-Mode: navigate, as a browser's address bar
	// Conditional first GETs the path to learn its ETag, then sends it back
	// as If-None-Match (nothing to send back when there was no ETag).
	Conditional bool `json:"conditional,omitempty"`
}

func (r routingRequest) String() string {
	s := r.Method + " " + r.Path
	if r.Navigate {
		s += " navigate"
	}
	if r.Conditional {
		s += " If-None-Match"
	}
	return s
}

// routingRequests is the table: every path by GET and HEAD, as a
// navigation and as a fetch(), plus other methods and revalidations.
func routingRequests() []routingRequest {
	paths := []string{
		"/", "/index.html", "/index", "/about", "/some/deep/route",
		"/assets/app.js", "/assets/style.css", "/assets/missing.js", "/robots.txt",
		"/docs/guide", "/docs/guide.html", "/docs/guide/", "/docs/missing", "/blog", "/blog/", "/blog/index.html",
		"/api/hello", "/api/missing", "/api/shadowed.json", "/api", "/api/docs", "/api/docs/", "/api/docs/intro",
		"/worker-page", "/old-about",
	}
	var rs []routingRequest
	for _, p := range paths {
		for _, m := range []string{"GET", "HEAD"} {
			for _, nav := range []bool{false, true} {
				rs = append(rs, routingRequest{Method: m, Path: p, Navigate: nav})
			}
		}
	}
	for _, p := range []string{"/api/echo", "/about", "/assets/app.js", "/worker-page", "/api/docs/intro"} {
		rs = append(rs, routingRequest{Method: "POST", Path: p})
	}
	for _, p := range []string{"/", "/about", "/assets/app.js", "/docs/missing", "/api/docs/", "/api/hello"} {
		for _, nav := range []bool{false, true} {
			rs = append(rs, routingRequest{Method: "GET", Path: p, Navigate: nav, Conditional: true})
		}
	}
	return rs
}

// routingAnswer is what an answer says about routing. By is who answered:
// "worker" (the fixture's worker marks its answers), "asset" (a file at
// that path), "fallback" (not_found_handling's index.html or 404.html for
// a path that is neither), "redirect", or "assets" when an answer of the
// assets has no body to tell a file from a fallback (HEAD, 304).
type routingAnswer struct {
	Request     string            `json:"request"`
	Status      int               `json:"status"`
	By          string            `json:"by"`
	ContentType string            `json:"content_type,omitempty"`
	BodySHA256  string            `json:"body_sha256,omitempty"`
	Body        string            `json:"body,omitempty"` // its start, to read the file
	Headers     map[string]string `json:"headers,omitempty"`
}

// comparedHeaders are the headers compared besides status, content type
// and body: where a redirect goes, caching, and _headers rules. ETag is
// compared by presence: wrangler dev derives it from the file's path and
// mtime, valet from its content.
var comparedHeaders = []string{"Location", "Cache-Control", "X-Asset-Rule", "X-Answered-By"}

// unrecordedHeaders are left out of the recording: they change on every run
// or name the server.
var unrecordedHeaders = []string{"Date", "X-Valet-Route", "Server", "Cf-Cache-Status"}

type routingRecording struct {
	Wrangler string          `json:"wrangler"`
	Config   string          `json:"config"`
	Answers  []routingAnswer `json:"answers"`
}

func TestWranglerRouting(t *testing.T) {
	if *wranglerURL != "" {
		for _, cfg := range honoSPAConfigs {
			t.Run(cfg, func(t *testing.T) { recordWrangler(t, cfg) })
		}
		return
	}
	dir := fixture(t, "hono-spa")
	testfs.NpmInstall(t, dir)
	equal, total := 0, 0
	for _, cfg := range honoSPAConfigs {
		t.Run(cfg, func(t *testing.T) {
			want := readRecording(t, cfg)
			d := startDevIn(t, dir, cfg)
			got := askAll(t, d.url)
			if len(got) != len(want.Answers) {
				t.Fatalf("%d answers, %d recorded: run record.sh again", len(got), len(want.Answers))
			}
			for i, w := range want.Answers {
				g := got[i]
				total++
				if g.Request != w.Request {
					t.Fatalf("request %d is %q, recorded %q: run record.sh again", i, g.Request, w.Request)
				}
				if diff := compareAnswers(w, g); diff != "" {
					t.Errorf("%s: %s", w.Request, diff)
					continue
				}
				equal++
			}
		})
	}
	t.Logf("%d of %d answers equal to wrangler dev's", equal, total)
}

// compareAnswers returns what differs between wrangler's answer w and
// valet's g, or "".
func compareAnswers(w, g routingAnswer) string {
	var diffs []string
	if w.Status != g.Status {
		diffs = append(diffs, fmt.Sprintf("status %d, wrangler %d", g.Status, w.Status))
	}
	if w.By != g.By {
		diffs = append(diffs, fmt.Sprintf("answered by %s, wrangler by %s", g.By, w.By))
	}
	if w.ContentType != g.ContentType {
		diffs = append(diffs, fmt.Sprintf("Content-Type %q, wrangler %q", g.ContentType, w.ContentType))
	}
	if w.BodySHA256 != g.BodySHA256 {
		diffs = append(diffs, fmt.Sprintf("body %q, wrangler %q", g.Body, w.Body))
	}
	for _, k := range comparedHeaders {
		if w.Headers[k] != g.Headers[k] {
			diffs = append(diffs, fmt.Sprintf("%s %q, wrangler %q", k, g.Headers[k], w.Headers[k]))
		}
	}
	if (w.Headers["Etag"] != "") != (g.Headers["Etag"] != "") {
		diffs = append(diffs, fmt.Sprintf("ETag %q, wrangler %q", g.Headers["Etag"], w.Headers["Etag"]))
	}
	return strings.Join(diffs, "; ")
}

func recordingPath(cfg string) string {
	return filepath.Join("..", "..", "testdata", "conformance", "hono-spa", "wrangler-answers", strings.TrimSuffix(cfg, ".jsonc")+".answers.json")
}

func readRecording(t *testing.T, cfg string) routingRecording {
	t.Helper()
	b, err := os.ReadFile(recordingPath(cfg))
	if err != nil {
		t.Fatalf("no recording of wrangler dev for %s: %v", cfg, err)
	}
	var rec routingRecording
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatalf("%s: %v", recordingPath(cfg), err)
	}
	return rec
}

// recordWrangler asks the wrangler dev that record.sh started on cfg (it
// passes -run TestWranglerRouting/<cfg>) and writes its answers.
func recordWrangler(t *testing.T, cfg string) {
	if *wranglerVersion == "" {
		t.Fatal("-wrangler-version is required with -wrangler-url")
	}
	rec := routingRecording{Wrangler: *wranglerVersion, Config: cfg, Answers: askAll(t, *wranglerURL)}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(recordingPath(cfg)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(recordingPath(cfg), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rawClient sends requests as written: no redirects followed, no gzip
// asked for (a browser's Accept-Encoding would compare compression, not
// routing).
var rawClient = &http.Client{
	Timeout:       20 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport:     &http.Transport{DisableCompression: true},
}

func askAll(t *testing.T, base string) []routingAnswer {
	t.Helper()
	fallbacks := map[string]string{}
	for _, f := range []string{"/index.html", "/404.html", "/docs/404.html"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "conformance", "hono-spa", "public", f))
		if err != nil {
			t.Fatal(err)
		}
		fallbacks[sha(string(b))] = f
	}
	var out []routingAnswer
	for _, r := range routingRequests() {
		out = append(out, ask(t, base, r, fallbacks))
	}
	return out
}

func ask(t *testing.T, base string, r routingRequest, fallbacks map[string]string) routingAnswer {
	t.Helper()
	d := &dev{url: base}
	var headers []string
	if r.Navigate {
		headers = append(headers, "Sec-Fetch-Mode: navigate")
	}
	if r.Conditional {
		if etag := d.do(t, rawClient, r.Method, r.Path, headers...).Header.Get("ETag"); etag != "" {
			headers = append(headers, "If-None-Match: "+etag)
		}
	}
	res := d.do(t, rawClient, r.Method, r.Path, headers...)
	a := routingAnswer{Request: r.String(), Status: res.StatusCode, ContentType: res.Header.Get("Content-Type"), Headers: map[string]string{}}
	if len(res.body) > 0 {
		a.BodySHA256 = sha(res.body)
		a.Body = res.body[:min(len(res.body), 60)]
	}
	for k, v := range res.Header {
		if !slices.Contains(unrecordedHeaders, k) {
			a.Headers[k] = strings.Join(v, ", ")
		}
	}
	switch {
	case res.Header.Get("X-Answered-By") == "worker":
		a.By = "worker"
	case res.StatusCode >= 300 && res.StatusCode < 400 && res.Header.Get("Location") != "":
		a.By = "redirect"
	case len(res.body) == 0:
		a.By = "assets" // a HEAD, a 304 or an empty 404: file or fallback, the body would tell
	case fallbacks[a.BodySHA256] != "" && !servesItself(r.Path, fallbacks[a.BodySHA256]):
		a.By = "fallback"
	default:
		a.By = "asset"
	}
	return a
}

// servesItself reports whether path names file itself ("/" is /index.html).
func servesItself(path, file string) bool {
	return path == file || path == strings.TrimSuffix(file, "index.html")
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
