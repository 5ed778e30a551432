package workerd_test

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	. "github.com/valet-dev/valet/pkg/workerd"
)

// logWatch collects workerd's log lines and waits for one.
type logWatch chan LogLine

func (w logWatch) sink(l LogLine) { w <- l }

func (w logWatch) waitFor(t *testing.T, level, contains string) LogLine {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l := <-w:
			if l.Level == level && strings.Contains(l.Message, contains) {
				return l
			}
		case <-timeout:
			t.Fatalf("no %s log line containing %q after 10s", level, contains)
		}
	}
}

type jsonError struct {
	Name, Message, Stack string
	Cause                *jsonError
}

func readJSONError(t *testing.T, body string) jsonError {
	t.Helper()
	var e jsonError
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return e
}

// TestDevEntryHandler: in dev, an ExportedHandler's uncaught exception is a
// 500 carrying the error as JSON (in a header too, for HEAD), /__scheduled
// runs the scheduled handler with wrangler's controller, handlers on a
// class instance's prototype keep working, and a rejected waitUntil is
// logged with its stack.
func TestDevEntryHandler(t *testing.T) {
	logs := make(logWatch, 100)
	_, px := startEntry(t, `
		class Handler {
			constructor() { this.last = "never"; }
			async fetch(req, env, ctx) {
				const u = new URL(req.url);
				if (u.pathname === "/throw") throw new TypeError("boom", { cause: new RangeError("root") });
				if (u.pathname === "/string") throw "a string";
				if (u.pathname === "/wait") ctx.waitUntil(Promise.reject(new Error("later")));
				if (u.pathname === "/last") return new Response(this.last);
				return new Response("ok " + u.pathname);
			}
			scheduled(c) {
				if (c.cron === "fail") throw new Error("the cron job failed");
				this.last = [c.cron, typeof c.scheduledTime, Math.abs(Date.now() - c.scheduledTime) < 60000, c.type, typeof c.noRetry].join(" ");
			}
		}
		export default new Handler();`, EntryOptions{HasDefault: true, Dev: true, TestScheduled: true}, nil, logs.sink)

	resp, body := get(t, px, "GET", "/throw", nil)
	if resp.StatusCode != 500 || resp.Header.Get(ErrorStackHeader) != "true" {
		t.Fatalf("GET /throw = %d %v %q", resp.StatusCode, resp.Header, body)
	}
	e := readJSONError(t, body)
	if e.Name != "TypeError" || e.Message != "boom" || !regexp.MustCompile(`at .*fetch \(worker\.js:\d+:\d+\)`).MatchString(e.Stack) ||
		e.Cause == nil || e.Cause.Name != "RangeError" || e.Cause.Message != "root" {
		t.Errorf("error = %+v", e)
	}
	resp, _ = get(t, px, "HEAD", "/throw", nil)
	payload, _ := url.QueryUnescape(resp.Header.Get(ErrorStackHeader + "-Payload"))
	if resp.StatusCode != 500 || readJSONError(t, payload).Message != "boom" {
		t.Errorf("HEAD /throw = %d, payload %q", resp.StatusCode, payload)
	}
	if _, body := get(t, px, "GET", "/string", nil); readJSONError(t, body).Message != "a string" {
		t.Errorf("a thrown string: %q", body)
	}

	if _, body := get(t, px, "GET", "/hello", nil); body != "ok /hello" {
		t.Errorf("GET /hello = %q", body)
	}
	get(t, px, "GET", "/wait", nil)
	logs.waitFor(t, "error", "Uncaught (in promise) Error: later\n    at Handler.fetch (worker.js:")

	if resp, body := get(t, px, "GET", "/__scheduled?cron=*+*+*+*+*&time=5", nil); resp.StatusCode != 200 || body != "Ran scheduled event" {
		t.Errorf("GET /__scheduled = %d %q", resp.StatusCode, body)
	}
	// wrangler's controller: now, whatever ?time= says, and no type.
	if _, body := get(t, px, "GET", "/last", nil); body != "* * * * * number true  function" {
		t.Errorf("the handler saw %q", body)
	}
	resp, body = get(t, px, "GET", "/__scheduled?cron=fail", nil)
	if resp.StatusCode != 500 || readJSONError(t, body).Message != "the cron job failed" {
		t.Errorf("GET /__scheduled?cron=fail = %d %q", resp.StatusCode, body)
	}
}

// TestDevEntryWithoutTestScheduled: /__scheduled is the app's own path.
func TestDevEntryWithoutTestScheduled(t *testing.T) {
	_, px := startEntry(t, `export default { fetch(req) { return new Response("app " + new URL(req.url).pathname) }, scheduled() {} };`,
		EntryOptions{HasDefault: true, Dev: true}, nil, nil)
	if _, body := get(t, px, "GET", "/__scheduled", nil); body != "app /__scheduled" {
		t.Errorf("GET /__scheduled = %q", body)
	}
}

// TestDevEntryEntrypoint: a WorkerEntrypoint class as the default export
// keeps its RPC methods and its scheduled handler under the dev wrapper;
// its fetch's exception is the JSON 500, a scheduled exception is logged
// and still ends the event with "exception".
func TestDevEntryEntrypoint(t *testing.T) {
	logs := make(logWatch, 100)
	p, px := startEntry(t, `
		import { WorkerEntrypoint } from "cloudflare:workers";
		export default class App extends WorkerEntrypoint {
			async fetch(req) {
				const u = new URL(req.url);
				if (u.pathname === "/rpc") return new Response(String(await this.env.SELF.add(2, 3)));
				if (u.pathname === "/name") return new Response(this.constructor.name);
				throw new Error("from the entrypoint");
			}
			add(a, b) { return a + b; }
			async scheduled(c) { if (c.cron === "fail") throw new Error("scheduled failed"); }
		}`, EntryOptions{HasDefault: true, Dev: true, TestScheduled: true}, func(c *Config) {
		c.Bindings = append(c.Bindings, Binding{Name: "SELF", Member: "service", Value: `"app"`})
	}, logs.sink)

	if _, body := get(t, px, "GET", "/rpc", nil); body != "5" {
		t.Errorf("RPC through the wrapped entrypoint = %q", body)
	}
	if _, body := get(t, px, "GET", "/name", nil); body != "App" {
		t.Errorf("the class is named %q", body)
	}
	resp, body := get(t, px, "GET", "/x", nil)
	if resp.StatusCode != 500 || readJSONError(t, body).Message != "from the entrypoint" {
		t.Errorf("GET /x = %d %q", resp.StatusCode, body)
	}
	if resp, body := get(t, px, "GET", "/__scheduled?cron=ok", nil); resp.StatusCode != 200 || body != "Ran scheduled event" {
		t.Errorf("GET /__scheduled = %d %q", resp.StatusCode, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if outcome, err := p.Scheduled(ctx, "fail", time.Time{}); err != nil || outcome != "exception" {
		t.Errorf("Scheduled(fail) = %q, %v; want exception", outcome, err)
	}
	logs.waitFor(t, "error", "Uncaught Error: scheduled failed\n    at App.scheduled (worker.js:")
	if outcome, err := p.Scheduled(ctx, "ok", time.Time{}); err != nil || outcome != "ok" {
		t.Errorf("Scheduled(ok) = %q, %v", outcome, err)
	}
}
