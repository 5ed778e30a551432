package deploy

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
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
// Each thread also prints "valet-mark NAME" (flushed at once) the first time
// it sees w1, a1 (v1's worker and asset), w2, a2, and w1again, a1again (v1
// after v2): the test waits on these marks, not on time.
const wrkScript = wrkMarks + `
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
  if body == "v1" then w1 = w1 + 1; mark(w2 > 0 and "w1again" or "w1")
  elseif body == "v2" then w2 = w2 + 1; mark("w2")
  elseif body == "<h1>hello</h1>" then a1 = a1 + 1; mark(a2 > 0 and "a1again" or "a1")
  elseif body == "<h1>hello v2</h1>" then a2 = a2 + 1; mark("a2")
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

// wrkMarks begins a wrk script: setup keeps the threads (for done to read
// their tallies), and mark(name) prints "valet-mark NAME", flushed at
// once, the first time a thread calls it with that name (every thread has
// a Lua state of its own), for waitMarks.
const wrkMarks = `
local threads = {}
function setup(thread) table.insert(threads, thread) end
local marked = {}
local function mark(name)
  if marked[name] then return end
  marked[name] = true
  io.write("valet-mark " .. name .. "\n")
  io.stdout:flush()
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

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// parseWrkReport reads wrk's own report: requests, socket errors, statuses
// >= 400 and the 99th percentile.
func parseWrkReport(out string) (wrkResult, error) {
	r := wrkResult{Output: out}
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
	if m := wrkP99RE.FindStringSubmatch(out); m != nil {
		r.P99 = m[1]
	}
	return r, nil
}

// parseWrk reads wrk's report (with wrkScript's done line).
func parseWrk(out string) (wrkResult, error) {
	r, err := parseWrkReport(out)
	if err != nil {
		return r, err
	}
	m := wrkValetRE.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no tally of the script in wrk's output:\n%s", out)
	}
	r.Non2xx, r.W1, r.W2, r.A1, r.A2, r.Other = atoi(m[1]), atoi(m[2]), atoi(m[3]), atoi(m[4]), atoi(m[5]), atoi(m[6])
	return r, nil
}

func (r wrkResult) socketErrors() int { return r.Connect + r.Read + r.Write + r.Timeout }

// wrk is a running wrk -t2 -c16 --latency with wrkScript.
type wrk struct {
	t      *testing.T
	cmd    *exec.Cmd
	exited chan error

	mu     sync.Mutex
	out    bytes.Buffer
	marks  map[string]bool
	marked chan struct{} // closed and replaced at every new mark
}

// startWrk runs wrk with wrkScript against url until stop is called
// (SIGINT: wrk then prints its report).
func startWrk(t *testing.T, url string) *wrk {
	t.Helper()
	return startWrkScript(t, url, wrkScript)
}

// startWrkScript is startWrk with another script (source): one that
// prints "valet-mark NAME" lines for waitMarks.
func startWrkScript(t *testing.T, url, source string) *wrk {
	t.Helper()
	bin := testenv.LookPath(t, "wrk")
	script := filepath.Join(t.TempDir(), "count.lua")
	if err := os.WriteFile(script, []byte(source), 0o644); err != nil {
		t.Fatal(err)
	}
	w := &wrk{t: t, exited: make(chan error, 1), marks: map[string]bool{}, marked: make(chan struct{})}
	// A request to an object whose owner died rightly waits out its lease
	// (4 s here) and the takeover; on a loaded machine that came to 5.2 s,
	// which a 5 s timeout counted as a failure. One that hangs still fails.
	w.cmd = exec.Command(bin, "-t2", "-c16", "-d120s", "--timeout", "20s", "--latency", "-s", script, url)
	pipe, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	w.cmd.Stderr = w.cmd.Stdout
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			w.line(sc.Text())
		}
		w.exited <- w.cmd.Wait()
	}()
	t.Cleanup(func() { _ = w.cmd.Process.Kill() })
	return w
}

func (w *wrk) line(l string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.out.WriteString(l + "\n")
	if name, ok := strings.CutPrefix(l, "valet-mark "); ok && !w.marks[name] {
		w.marks[name] = true
		close(w.marked)
		w.marked = make(chan struct{})
	}
}

// waitMarks waits until some wrk thread has printed each mark of names.
func (w *wrk) waitMarks(names ...string) {
	w.t.Helper()
	deadline := time.After(time.Minute)
	for {
		w.mu.Lock()
		all, marked := true, w.marked
		for _, n := range names {
			all = all && w.marks[n]
		}
		w.mu.Unlock()
		if all {
			return
		}
		select {
		case <-marked:
		case err := <-w.exited:
			w.t.Fatalf("wrk exited (%v) before it saw %v:\n%s", err, names, w.output())
		case <-deadline:
			w.t.Fatalf("wrk did not see %v within a minute:\n%s", names, w.output())
		}
	}
}

func (w *wrk) output() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.String()
}

// stop interrupts wrk and parses its report.
func (w *wrk) stop() wrkResult {
	w.t.Helper()
	w.interrupt()
	r, err := parseWrk(w.output())
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

// interrupt stops wrk (SIGINT), which prints its report.
func (w *wrk) interrupt() {
	w.t.Helper()
	_ = w.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-w.exited:
		if err != nil {
			w.t.Fatalf("wrk: %v\n%s", err, w.output())
		}
	case <-time.After(10 * time.Second):
		_ = w.cmd.Process.Kill()
		w.t.Fatalf("wrk did not stop on SIGINT:\n%s", w.output())
	}
}

// redeployUnderWrk deploys v1, then, while wrk loads the app, deploys a
// version whose worker and asset both changed and rolls back to v1; wrk
// must see no failed request and both versions served.
func redeployUnderWrk(t *testing.T, ctx context.Context, d *deployer) wrkResult {
	t.Helper()
	p := d.p
	r1 := d.mustDeploy(ctx)
	w := startWrk(t, p.url("/"))
	w.waitMarks("w1", "a1") // wrk is loading v1

	p.worker("v2")
	p.write("public/index.html", "<h1>hello v2</h1>")
	start := time.Now()
	r2 := d.mustDeploy(ctx)
	deployTook := time.Since(start)
	if !r2.Switched || !strings.Contains(r2.Summary, "worker") || !strings.Contains(r2.Summary, "asset") {
		t.Errorf("redeploy: %+v", r2)
	}
	w.waitMarks("w2", "a2") // wrk is loading v2
	start = time.Now()
	rb, err := Rollback(ctx, d.conn, "", events.NewEmitter(d.rec))
	if err != nil || rb.Version != r1.Version {
		t.Fatalf("rollback under load: %+v %v", rb, err)
	}
	rollbackTook := time.Since(start)
	w.waitMarks("w1again", "a1again") // and v1 again
	res := w.stop()

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
