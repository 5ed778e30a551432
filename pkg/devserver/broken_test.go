package devserver

import (
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestFirstBuildFails: valet dev starts on a project whose first build
// fails, serves the error, and serves the app once the file is fixed.
func TestFirstBuildFails(t *testing.T) {
	dir := fixture(t, "app")
	msg := filepath.Join(dir, "src/message.ts")
	good := read(t, msg)
	write(t, msg, `export const message = "broken;`)
	s := startDev(t, dir)
	live := listen(t, s.url)
	if ev := next(t, live); ev.event != msgError || !strings.Contains(ev.data, "src/message.ts:1:") {
		t.Fatalf("event %+v, want the error at src/message.ts:1", ev)
	}

	req, _ := http.NewRequest("GET", s.url+"/", nil)
	req.Header.Set("Accept", "text/html")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusInternalServerError {
		t.Errorf("page while broken: status %d, want 500", res.StatusCode)
	}
	if code, body := get(t, s.url+"/api/hello"); code != 500 || !strings.Contains(body, "src/message.ts:1:") {
		t.Errorf("API while broken: %d %q, want 500 with the error", code, body)
	}

	write(t, msg, strings.Replace(good, "first version", "fixed version", 1))
	if ev := next(t, live); ev.event != msgOK {
		t.Fatalf("event %+v, want ok", ev)
	}
	if ev := next(t, live); ev.event != msgReload {
		t.Fatalf("event %+v, want reload", ev)
	}
	if js := entryJS(t, s.url); !strings.Contains(js, "fixed version") {
		t.Errorf("the fixed build is not served")
	}
	if code, body := get(t, s.url+"/api/hello"); code != 200 {
		t.Errorf("API after the fix: %d %q", code, body)
	}
}

func TestRecoverable(t *testing.T) {
	if !recoverable(&buildFailure{"worker", errors.New("x")}) {
		t.Error("a build failure is recoverable")
	}
	if recoverable(errors.New("engine unreachable")) {
		t.Error("other errors end valet dev")
	}
	if got := failedStep(errors.New("x")); got != "build" {
		t.Errorf("failedStep = %q", got)
	}
}

// TestCustomBuildFailsPage: a failing build.command is served as the error
// page, which says "custom build failed" once, with the command's output.
func TestCustomBuildFailsPage(t *testing.T) {
	dir := fixture(t, "app")
	cfg := filepath.Join(dir, "valet.jsonc")
	write(t, cfg, strings.Replace(read(t, cfg), `"main":`, `"build": { "command": "echo compiling the backend; exit 3" }, "main":`, 1))
	s := startDev(t, dir)
	req, _ := http.NewRequest("GET", s.url+"/", nil)
	req.Header.Set("Accept", "text/html")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(b)
	if res.StatusCode != http.StatusInternalServerError || !strings.Contains(page, "compiling the backend") {
		t.Fatalf("page while broken: %d\n%s", res.StatusCode, page)
	}
	if n := strings.Count(page, "custom build failed"); n != 1 || strings.Contains(page, "build build") {
		t.Errorf("the page says %q %d times (want once, and no \"build build\"):\n%s", "custom build failed", n, page)
	}
}
