package runtime

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// installNpm installs packages into a temp project. Without the npm registry
// the test is skipped, except in CI where it must fail.
func installNpm(t testing.TB, pkgs ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("npm install in -short mode")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"t","private":true,"type":"module"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"install", "--no-audit", "--no-fund", "--loglevel=error"}, pkgs...)
	cmd := exec.Command("npm", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		testenv.Missing(t, "npm install %v (registry unreachable?): %v\n%s", pkgs, err, out)
	}
	return dir
}

func TestHonoApp(t *testing.T) {
	dir := installNpm(t, "hono@4")
	src := `
import { Hono } from "hono";
import { cors } from "hono/cors";
import { logger } from "hono/logger";
import { HTTPException } from "hono/http-exception";

type Bindings = { API_VERSION: string };
const app = new Hono<{ Bindings: Bindings }>();

app.use("*", logger());
app.use("/api/*", cors());
app.use("*", async (c, next) => {
  await next();
  c.header("x-powered-by", "valet");
});

app.get("/", (c) => c.text("home"));
app.get("/api/users/:id", (c) => c.json({ id: c.req.param("id"), q: c.req.query("q") ?? null, v: c.env.API_VERSION }));
app.post("/api/echo", async (c) => {
  const body = await c.req.json();
  return c.json({ echoed: body }, 201);
});
app.post("/api/form", async (c) => {
  const b = await c.req.parseBody();
  return c.text("form " + b["name"]);
});
app.get("/api/fail", () => { throw new HTTPException(418, { message: "teapot" }); });
app.get("/html", (c) => c.html("<h1>hi</h1>"));
app.get("/redirect", (c) => c.redirect("/"));
app.notFound((c) => c.text("nothing here", 404));

export default app;
`
	script, sm := bundleWorker(t, dir, map[string]string{"src/index.ts": src}, "src/index.ts")
	rec := &events.Recorder{}
	p, err := New(Options{Script: script, SourceMap: sm, Env: map[string]Binding{"API_VERSION": Var("v1")}, Dev: true, Logs: events.NewEmitter(rec)})
	if err != nil {
		t.Fatal(err)
	}
	w := &testWorker{pool: p, logs: rec}
	w.srv = newServer(t, p)

	cases := []struct {
		method, path, body, ctype string
		status                    int
		want                      string
		header                    [2]string
	}{
		{"GET", "/", "", "", 200, "home", [2]string{"X-Powered-By", "valet"}},
		{"GET", "/api/users/42?q=x", "", "", 200, `{"id":"42","q":"x","v":"v1"}`, [2]string{"Access-Control-Allow-Origin", "*"}},
		{"POST", "/api/echo", `{"a":[1,2]}`, "application/json", 201, `{"echoed":{"a":[1,2]}}`, [2]string{"Content-Type", "application/json"}},
		{"POST", "/api/form", "name=val+et", "application/x-www-form-urlencoded", 200, "form val et", [2]string{}},
		{"GET", "/api/fail", "", "", 418, "teapot", [2]string{}},
		{"GET", "/html", "", "", 200, "<h1>hi</h1>", [2]string{"Content-Type", "text/html; charset=UTF-8"}},
		{"GET", "/missing", "", "", 404, "nothing here", [2]string{}},
	}
	for _, c := range cases {
		hdr := map[string]string{}
		if c.ctype != "" {
			hdr["Content-Type"] = c.ctype
		}
		resp, body := w.do(t, c.method, c.path, c.body, hdr)
		if resp.StatusCode != c.status || body != c.want {
			t.Errorf("%s %s: got %d %q, want %d %q", c.method, c.path, resp.StatusCode, body, c.status, c.want)
		}
		if c.header[0] != "" && resp.Header.Get(c.header[0]) != c.header[1] {
			t.Errorf("%s %s: %s = %q, want %q", c.method, c.path, c.header[0], resp.Header.Get(c.header[0]), c.header[1])
		}
	}
	logged := false
	for _, e := range w.logs.Events() {
		logged = logged || strings.Contains(e.Message, "GET /api/users/42")
	}
	if !logged {
		t.Errorf("hono/logger lines did not reach the event stream")
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

// hono/jwt and signed cookies run on crypto.subtle (HMAC importKey, sign, verify).
func TestHonoJWTAndSignedCookies(t *testing.T) {
	dir := installNpm(t, "hono@4")
	src := `
import { Hono } from "hono";
import { sign, verify } from "hono/jwt";
import { jwt } from "hono/jwt";
import { setSignedCookie, getSignedCookie } from "hono/cookie";

const secret = "it-is-a-secret";
const app = new Hono();
app.get("/token", async (c) => c.text(await sign({ sub: "ada", exp: Math.floor(Date.now() / 1000) + 60 }, secret)));
app.get("/verify", async (c) => {
  const payload = await verify(c.req.query("t")!, secret, "HS256");
  return c.json(payload);
});
app.use("/private/*", jwt({ secret, alg: "HS512" }));
app.get("/private/me", (c) => c.json({ me: c.get("jwtPayload").sub }));
app.get("/token512", async (c) => c.text(await sign({ sub: "grace" }, secret, "HS512")));
app.get("/set", async (c) => { await setSignedCookie(c, "session", "s1", secret); return c.text("ok"); });
app.get("/get", async (c) => c.text(String(await getSignedCookie(c, secret, "session"))));
export default app;
`
	script, sm := bundleWorker(t, dir, map[string]string{"src/index.ts": src}, "src/index.ts")
	p, err := New(Options{Script: script, SourceMap: sm, Dev: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	w := &testWorker{pool: p, srv: newServer(t, p)}

	_, token := w.get(t, "/token")
	if strings.Count(token, ".") != 2 {
		t.Fatalf("token %q", token)
	}
	if resp, body := w.get(t, "/verify?t="+token); resp.StatusCode != 200 || !strings.Contains(body, `"sub":"ada"`) {
		t.Fatalf("verify: %d %s", resp.StatusCode, body)
	}
	if resp, _ := w.get(t, "/verify?t="+token+"x"); resp.StatusCode != 500 {
		t.Fatalf("a tampered token verified: %d", resp.StatusCode)
	}
	_, t512 := w.get(t, "/token512")
	if resp, body := w.do(t, "GET", "/private/me", "", map[string]string{"Authorization": "Bearer " + t512}); resp.StatusCode != 200 || body != `{"me":"grace"}` {
		t.Fatalf("jwt middleware: %d %s", resp.StatusCode, body)
	}
	if resp, _ := w.do(t, "GET", "/private/me", "", map[string]string{"Authorization": "Bearer " + token}); resp.StatusCode != 401 {
		t.Fatalf("jwt middleware accepted an HS256 token for HS512: %d", resp.StatusCode)
	}
	resp, _ := w.get(t, "/set")
	cookie := resp.Header.Get("Set-Cookie")
	if !strings.HasPrefix(cookie, "session=s1.") {
		t.Fatalf("Set-Cookie %q", cookie)
	}
	pair := strings.SplitN(cookie, ";", 2)[0]
	if _, body := w.do(t, "GET", "/get", "", map[string]string{"Cookie": pair}); body != "s1" {
		t.Fatalf("signed cookie read back %q", body)
	}
	if _, body := w.do(t, "GET", "/get", "", map[string]string{"Cookie": strings.Replace(pair, "s1.", "s2.", 1)}); body != "false" {
		t.Fatalf("tampered signed cookie read back %q", body)
	}
}
