package devserver

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/events"
)

// TestLiveReload edits a real project while valet dev serves it over real
// HTTP and checks what the page's live reload stream says and what the
// server then answers.
func TestLiveReload(t *testing.T) {
	dir := fixture(t, "app")
	s := startDev(t, dir)
	live := listen(t, s.url)

	_, page := get(t, s.url+"/")
	if !strings.Contains(page, clientTag) {
		t.Fatalf("page has no live reload client:\n%s", page)
	}
	if _, js := get(t, s.url+clientPath); !strings.Contains(js, "EventSource") {
		t.Fatalf("client script: %q", js)
	}

	t.Run("source edit reloads", func(t *testing.T) {
		write(t, filepath.Join(dir, "src/message.ts"), `export const message = "second version";`)
		if ev := next(t, live); ev.event != msgReload {
			t.Fatalf("event %+v, want reload", ev)
		}
		if js := entryJS(t, s.url); !strings.Contains(js, "second version") {
			t.Errorf("new build not served")
		}
	})

	t.Run("CSS edit swaps stylesheets", func(t *testing.T) {
		write(t, filepath.Join(dir, "src/style.css"), "h1 {\n  color: rgb(4, 5, 6);\n}\n")
		ev := next(t, live)
		if ev.event != msgCSS {
			t.Fatalf("event %+v, want css", ev)
		}
		var paths []string
		if err := json.Unmarshal([]byte(ev.data), &paths); err != nil || len(paths) != 1 {
			t.Fatalf("css data %q: %v", ev.data, err)
		}
		if _, css := get(t, s.url+paths[0]); !strings.Contains(css, "rgb(4, 5, 6)") {
			t.Errorf("%s = %q", paths[0], css)
		}
	})

	t.Run("syntax error shows, fix clears", func(t *testing.T) {
		write(t, filepath.Join(dir, "src/message.ts"), `export const message = "broken;`)
		ev := next(t, live)
		if ev.event != msgError || !strings.Contains(ev.data, "src/message.ts:1:") {
			t.Fatalf("event %+v, want error at src/message.ts:1", ev)
		}
		// A page opened now gets the error at once.
		late := listen(t, s.url)
		if ev := next(t, late); ev.event != msgError {
			t.Errorf("late page got %+v, want the error", ev)
		}
		if js := entryJS(t, s.url); !strings.Contains(js, "second version") {
			t.Errorf("the last good build is no longer served")
		}
		write(t, filepath.Join(dir, "src/message.ts"), `export const message = "third version";`)
		if ev := next(t, live); ev.event != msgOK {
			t.Fatalf("event %+v, want ok", ev)
		}
		if ev := next(t, live); ev.event != msgReload {
			t.Fatalf("event %+v, want reload", ev)
		}
	})

	t.Run("worker edit", func(t *testing.T) {
		src := filepath.Join(dir, "worker/index.ts")
		write(t, src, strings.Replace(read(t, src), "v1", "v2", 1))
		if ev := next(t, live); ev.event != msgReload {
			t.Fatalf("event %+v, want reload", ev)
		}
		if _, body := get(t, s.url+"/api/hello"); body != "hello v2 token=set" {
			t.Errorf("/api/hello = %q", body)
		}
	})

	t.Run("dev vars", func(t *testing.T) {
		write(t, filepath.Join(dir, ".dev.vars"), "OTHER=x\n")
		if ev := next(t, live); ev.event != msgReload {
			t.Fatalf("event %+v, want reload", ev)
		}
		if _, body := get(t, s.url+"/api/hello"); body != "hello v2 token=unset" {
			t.Errorf("/api/hello = %q", body)
		}
	})

	t.Run("broken config keeps the app", func(t *testing.T) {
		cfg := filepath.Join(dir, "valet.jsonc")
		good := read(t, cfg)
		write(t, cfg, strings.Replace(good, `"vars"`, `"varz"`, 1))
		ev := next(t, live)
		if ev.event != msgError || !strings.Contains(ev.data, "varz") {
			t.Fatalf("event %+v, want the config error", ev)
		}
		if _, body := get(t, s.url+"/api/hello"); body != "hello v2 token=unset" {
			t.Errorf("/api/hello = %q while the config is broken", body)
		}
		write(t, cfg, strings.Replace(good, `"hello"`, `"bonjour"`, 1))
		if ev := next(t, live); ev.event != msgOK {
			t.Fatalf("event %+v, want ok", ev)
		}
		if ev := next(t, live); ev.event != msgReload {
			t.Fatalf("event %+v, want reload", ev)
		}
		if _, body := get(t, s.url+"/api/hello"); body != "bonjour v2 token=unset" {
			t.Errorf("/api/hello = %q", body)
		}
	})

	t.Run("r rebuilds everything", func(t *testing.T) {
		s.rebuild <- struct{}{}
		if ev := next(t, live); ev.event != msgReload {
			t.Fatalf("event %+v, want reload", ev)
		}
	})

	for _, e := range s.rec.Events() {
		b, _ := json.Marshal(e)
		if strings.Contains(string(b), "s3cret-value") {
			t.Errorf("an event shows the secret: %s", b)
		}
	}
	reloaded := 0
	for _, e := range s.rec.Events() {
		if e.Kind == events.Reloaded {
			reloaded++
		}
	}
	if reloaded < 6 {
		t.Errorf("%d reloaded events, want one per successful rebuild", reloaded)
	}
}

// entryJS returns the page's entry script.
func entryJS(t *testing.T, base string) string {
	t.Helper()
	_, page := get(t, base+"/")
	i := strings.Index(page, `src="/assets/`)
	if i < 0 {
		t.Fatalf("no entry script in page:\n%s", page)
	}
	src := page[i+5:]
	src = src[:strings.Index(src, `"`)]
	_, js := get(t, base+src)
	return js
}

func read(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
