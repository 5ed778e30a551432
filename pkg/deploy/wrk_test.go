package deploy

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// wrkScript alternates a worker route and an asset, counts every response
// that is not 2xx (wrk's own "Non-2xx or 3xx" line counts only >= 400) and
// tallies the bodies, so the test sees both versions served during the run.
const wrkScript = `
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  n, bad, w1, w2, a1, a2, other = 0, 0, 0, 0, 0, 0, 0
end
local paths = { "/api/version", "/" }
function request()
  n = n + 1
  return wrk.format("GET", paths[n % 2 + 1])
end
function response(status, headers, body)
  if status < 200 or status > 299 then bad = bad + 1 end
  if body == "v1" then w1 = w1 + 1
  elseif body == "v2" then w2 = w2 + 1
  elseif body == "<h1>hello</h1>" then a1 = a1 + 1
  elseif body == "<h1>hello v2</h1>" then a2 = a2 + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local t = { bad = 0, w1 = 0, w2 = 0, a1 = 0, a2 = 0, other = 0 }
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + th:get(k) end
  end
  io.write(string.format("valet: non2xx=%d w1=%d w2=%d a1=%d a2=%d other=%d\n", t.bad, t.w1, t.w2, t.a1, t.a2, t.other))
end
`

// wrkResult is what a wrk run reported.
type wrkResult struct {
	Requests                      int
	Connect, Read, Write, Timeout int // socket errors
	Non2xx                        int // from the script: any status outside 2xx
	W1, W2, A1, A2, Other         int // bodies seen
	Status4xx5xx                  int // wrk's "Non-2xx or 3xx responses"
	P99                           string
	Output                        string
}

var (
	wrkRequestsRE = regexp.MustCompile(`(\d+) requests in `)
	wrkSocketRE   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkStatusRE   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkValetRE    = regexp.MustCompile(`valet: non2xx=(\d+) w1=(\d+) w2=(\d+) a1=(\d+) a2=(\d+) other=(\d+)`)
	wrkP99RE      = regexp.MustCompile(`(?m)^\s+99%\s+(\S+)`)
)

// parseWrk reads wrk's report (with wrkScript's done line).
func parseWrk(out string) (wrkResult, error) {
	r := wrkResult{Output: out}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	m := wrkRequestsRE.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no request count in wrk's output:\n%s", out)
	}
	r.Requests = atoi(m[1])
	if m := wrkSocketRE.FindStringSubmatch(out); m != nil {
		r.Connect, r.Read, r.Write, r.Timeout = atoi(m[1]), atoi(m[2]), atoi(m[3]), atoi(m[4])
	}
	if m := wrkStatusRE.FindStringSubmatch(out); m != nil {
		r.Status4xx5xx = atoi(m[1])
	}
	m = wrkValetRE.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no tally of the script in wrk's output:\n%s", out)
	}
	r.Non2xx, r.W1, r.W2, r.A1, r.A2, r.Other = atoi(m[1]), atoi(m[2]), atoi(m[3]), atoi(m[4]), atoi(m[5]), atoi(m[6])
	if m := wrkP99RE.FindStringSubmatch(out); m != nil {
		r.P99 = m[1]
	}
	return r, nil
}

func (r wrkResult) socketErrors() int { return r.Connect + r.Read + r.Write + r.Timeout }

// startWrk runs wrk -t2 -c16 --latency with wrkScript against url until
// the returned stop is called (SIGINT: wrk then prints its report).
func startWrk(t *testing.T, url string) (stop func() wrkResult) {
	t.Helper()
	bin := testenv.LookPath(t, "wrk")
	script := filepath.Join(t.TempDir(), "count.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "-t2", "-c16", "-d120s", "--timeout", "5s", "--latency", "-s", script, url)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return func() wrkResult {
		t.Helper()
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("wrk: %v\n%s", err, out.String())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("wrk did not stop on SIGINT:\n%s", out.String())
		}
		r, err := parseWrk(out.String())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}

// redeployUnderWrk deploys v1, then, while wrk loads the app, deploys a
// version whose worker and asset both changed and rolls back to v1; wrk
// must see no failed request and both versions served.
func redeployUnderWrk(t *testing.T, ctx context.Context, d *deployer) wrkResult {
	t.Helper()
	p := d.p
	r1 := d.mustDeploy(ctx)
	stop := startWrk(t, p.url("/"))
	time.Sleep(500 * time.Millisecond)

	p.worker("v2")
	p.write("public/index.html", "<h1>hello v2</h1>")
	start := time.Now()
	r2 := d.mustDeploy(ctx)
	deployTook := time.Since(start)
	if !r2.Switched || !strings.Contains(r2.Summary, "worker") || !strings.Contains(r2.Summary, "asset") {
		t.Errorf("redeploy: %+v", r2)
	}
	time.Sleep(500 * time.Millisecond)
	start = time.Now()
	rb, err := Rollback(ctx, d.conn, "", events.NewEmitter(d.rec))
	if err != nil || rb.Version != r1.Version {
		t.Fatalf("rollback under load: %+v %v", rb, err)
	}
	rollbackTook := time.Since(start)
	time.Sleep(500 * time.Millisecond)
	res := stop()

	t.Logf("wrk: %d requests (p99 %s), %d non-2xx, socket errors %d/%d/%d/%d; bodies v1 %d, v2 %d, asset v1 %d, asset v2 %d, other %d; redeploy %s, rollback %s",
		res.Requests, res.P99, res.Non2xx, res.Connect, res.Read, res.Write, res.Timeout,
		res.W1, res.W2, res.A1, res.A2, res.Other, deployTook.Round(time.Millisecond), rollbackTook.Round(time.Millisecond))
	if res.Requests == 0 {
		t.Errorf("wrk made no request:\n%s", res.Output)
	}
	if res.Non2xx != 0 || res.Status4xx5xx != 0 || res.socketErrors() != 0 || res.Other != 0 {
		t.Errorf("failed requests during the redeploy and rollback:\n%s", res.Output)
	}
	if res.W1 == 0 || res.W2 == 0 || res.A1 == 0 || res.A2 == 0 {
		t.Errorf("wrk did not see both versions of the worker and the asset:\n%s", res.Output)
	}
	if _, body := httpGet(t, p.url("/api/version")); body != "v1" {
		t.Errorf("after the rollback: %q", body)
	}
	return res
}

// TestRedeployUnderWrk is the load test over unix://.
func TestRedeployUnderWrk(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := newProject(t, "")
	redeployUnderWrk(t, ctx, newDeployer(t, p, e.Host()))
}

func TestParseWrk(t *testing.T) {
	out := `Running 2s test @ http://127.0.0.1:8080/
  2 threads and 16 connections
  Latency Distribution
     50%  1.00ms
     99%  4.20ms
  5120 requests in 2.00s, 1.00MB read
  Socket errors: connect 1, read 2, write 3, timeout 4
  Non-2xx or 3xx responses: 7
Requests/sec:   2560.00
valet: non2xx=7 w1=10 w2=20 a1=30 a2=40 other=5
`
	r, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	want := wrkResult{Requests: 5120, Connect: 1, Read: 2, Write: 3, Timeout: 4, Non2xx: 7, W1: 10, W2: 20, A1: 30, A2: 40, Other: 5, Status4xx5xx: 7, P99: "4.20ms", Output: out}
	if r != want {
		t.Errorf("parse:\n got %+v\nwant %+v", r, want)
	}
	if _, err := parseWrk("wrk: connection refused"); err == nil {
		t.Error("no error for an output without a report")
	}
}

// TestRedeployUnderWrkOverSSH is the same over ssh:// (a throw-away sshd
// on 127.0.0.1 in front of the test engine's socket).
func TestRedeployUnderWrkOverSSH(t *testing.T) {
	env := enginetest.StartSSHD(t, enginetest.Connect(t))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := newProject(t, "")
	d := newDeployer(t, p, env.Host)
	d.conn.SSHIdentity, d.conn.SSHKnownHosts = env.Key, env.KnownHosts
	redeployUnderWrk(t, ctx, d)
}
