package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// clusterWrkScript spreads wrk's requests over a worker route, an asset
// and the counter (a read through its Durable Object), tallies 2xx
// answers, 503s with Retry-After (a request workerd cut off, which the
// edge tells the client to retry), the load balancer's 502s (a host took
// the request and dropped it) and anything else, keeps the first answer
// of each kind but 2xx as evidence, and marks ("valet-mark v1", "v2") the
// first answer of each version.
const clusterWrkScript = wrkMarks + `
function init(args)
  n, ok, retry, lb, other, v1, v2 = 0, 0, 0, 0, 0, 0, 0
  retry_sample, lb_sample, other_sample = "", "", ""
end
local function sample(status, headers, body)
  local host = headers["X-Test-Host"]
  return (host and ("host " .. host .. ": ") or "") .. status .. " " .. string.gsub(string.sub(body or "", 1, 200), "%s+", " ")
end
local paths = { "/api/version", "/", "/api/count" }
function request()
  n = n + 1
  return wrk.format("GET", paths[n % 3 + 1])
end
function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1
  elseif status == 503 and headers["Retry-After"] then
    retry = retry + 1
    if retry_sample == "" then retry_sample = sample(status, headers, body) end
  elseif status == 502 and headers["X-Test-Lb"] then
    lb = lb + 1
    if lb_sample == "" then lb_sample = sample(status, headers, headers["X-Test-Lb"]) end
  else
    other = other + 1
    if other_sample == "" then other_sample = sample(status, headers, body) end
  end
  if body == "v1" then v1 = v1 + 1; mark("v1")
  elseif body == "v2" then v2 = v2 + 1; mark("v2") end
end
function done(summary, latency, requests)
  local t = { ok = 0, retry = 0, lb = 0, other = 0, v1 = 0, v2 = 0 }
  local samples = {}
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + th:get(k) end
    for _, k in ipairs({ "retry_sample", "lb_sample", "other_sample" }) do
      local s = th:get(k)
      if s ~= "" and not samples[k] then samples[k] = s end
    end
  end
  io.write(string.format("valet-cluster: ok=%d retry=%d lb=%d other=%d v1=%d v2=%d\n", t.ok, t.retry, t.lb, t.other, t.v1, t.v2))
  for k, s in pairs(samples) do io.write("valet-sample " .. k .. ": " .. s .. "\n") end
end
`

var (
	clusterWrkRE    = regexp.MustCompile(`valet-cluster: ok=(\d+) retry=(\d+) lb=(\d+) other=(\d+) v1=(\d+) v2=(\d+)`)
	clusterSampleRE = regexp.MustCompile(`(?m)^valet-sample (\w+)_sample: (.*)$`)
)

// clusterWrkResult is what wrk saw of a cluster.
type clusterWrkResult struct {
	wrkResult
	OK, Retry, LB, Other, V1, V2 int
	// Samples are the first answer of each kind but 2xx: "retry", "lb",
	// "other".
	Samples map[string]string
}

// failed is every request that did not get a 2xx: wrk's non-2xx answers
// and its socket errors.
func (r clusterWrkResult) failed() int { return r.Status4xx5xx + r.socketErrors() }

func (r clusterWrkResult) String() string {
	return fmt.Sprintf("%d requests (p99 %s): %d 2xx, %d failed: %d 503 with Retry-After, %d dropped by a host (the load balancer's 502), %d other, socket errors %d/%d/%d/%d (connect/read/write/timeout); samples %q",
		r.Requests, r.P99, r.OK, r.failed(), r.Retry, r.LB, r.Other, r.Connect, r.Read, r.Write, r.Timeout, r.Samples)
}

func (w *wrk) stopCluster() clusterWrkResult {
	w.t.Helper()
	w.interrupt()
	out := w.output()
	r, err := parseWrkReport(out)
	if err != nil {
		w.t.Fatal(err)
	}
	m := clusterWrkRE.FindStringSubmatch(out)
	if m == nil {
		w.t.Fatalf("no tally of the script in wrk's output:\n%s", out)
	}
	res := clusterWrkResult{wrkResult: r, OK: atoi(m[1]), Retry: atoi(m[2]), LB: atoi(m[3]), Other: atoi(m[4]), V1: atoi(m[5]), V2: atoi(m[6]), Samples: map[string]string{}}
	for _, m := range clusterSampleRE.FindAllStringSubmatch(out, -1) {
		res.Samples[m[1]] = m[2]
	}
	return res
}

// incrementers increment the counter through the load balancer, each
// increment with an id of its own, sent again after a 503 with
// Retry-After (once the time it says has passed) until it is
// acknowledged: the counter must end at exactly the number acknowledged.
type incrementers struct {
	url  string
	stop chan struct{}
	wg   sync.WaitGroup

	acked  atomic.Int64
	retry  atomic.Int64 // 503s with Retry-After: sent again
	lb     atomic.Int64 // the load balancer's 502: the host died with the request
	failed atomic.Int64 // anything else: a failure

	mu       sync.Mutex
	changed  chan struct{}
	samples  []string
	ackTimes []time.Time
	badTimes []time.Time
}

func startIncrementers(t *testing.T, url string, n int, tag string) *incrementers {
	in := &incrementers{url: url, stop: make(chan struct{}), changed: make(chan struct{})}
	for w := 0; w < n; w++ {
		in.wg.Add(1)
		go in.run(fmt.Sprintf("%s-%d", tag, w))
	}
	t.Cleanup(in.finish)
	return in
}

func (in *incrementers) run(name string) {
	defer in.wg.Done()
	client := &http.Client{Timeout: 30 * time.Second}
	for i := 0; ; i++ {
		select {
		case <-in.stop:
			return
		default:
		}
		id := fmt.Sprintf("%s-%d", name, i)
		// Sent until acknowledged, even once asked to stop: every
		// increment begun ends acknowledged.
		for attempt := 0; ; attempt++ {
			resp, err := client.Post(in.url+"/api/inc?id="+id, "text/plain", nil)
			status, retryAfter, lb := 0, "", ""
			var body []byte
			if err == nil {
				body, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				status, retryAfter, lb = resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get(headerLB)
			}
			switch {
			case status == http.StatusOK:
				in.note(&in.acked, "")
			case status == http.StatusServiceUnavailable && retryAfter != "":
				in.note(&in.retry, fmt.Sprintf("503 Retry-After %s: %s", retryAfter, strings.TrimSpace(string(body))))
				// As the answer asks; sent again even once asked to stop.
				secs, _ := strconv.Atoi(retryAfter)
				<-time.After(time.Duration(secs) * time.Second)
				continue
			case lb != "":
				in.note(&in.lb, "load balancer: "+lb)
				continue
			default:
				in.note(&in.failed, fmt.Sprintf("%d %q %v", status, strings.TrimSpace(string(body)), err))
				if attempt < 100 {
					continue
				}
			}
			break
		}
	}
}

func (in *incrementers) note(c *atomic.Int64, sample string) {
	c.Add(1)
	in.mu.Lock()
	defer in.mu.Unlock()
	now := time.Now()
	if sample == "" {
		in.ackTimes = append(in.ackTimes, now)
	} else {
		in.badTimes = append(in.badTimes, now)
		if len(in.samples) < 8 {
			in.samples = append(in.samples, sample)
		}
	}
	close(in.changed)
	in.changed = make(chan struct{})
}

// waitAcked waits until n more increments than now were acknowledged.
func (in *incrementers) waitAcked(t *testing.T, n int64, within time.Duration) {
	t.Helper()
	target := in.acked.Load() + n
	deadline := time.After(within)
	for {
		in.mu.Lock()
		changed := in.changed
		in.mu.Unlock()
		if in.acked.Load() >= target {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("only %d of %d increments acknowledged within %s: %s", in.acked.Load(), target, within, in)
		}
	}
}

// finish stops the clients once each has its last increment acknowledged.
func (in *incrementers) finish() {
	select {
	case <-in.stop:
	default:
		close(in.stop)
	}
	in.wg.Wait()
}

// longestGap is the longest time without an acknowledged increment
// between from and the last one, and when it began.
func (in *incrementers) longestGap(from time.Time) (gap time.Duration, at time.Time) {
	in.mu.Lock()
	defer in.mu.Unlock()
	prev := from
	for _, t := range in.ackTimes {
		if t.Before(from) {
			continue
		}
		if d := t.Sub(prev); d > gap {
			gap, at = d, prev
		}
		prev = t
	}
	return gap, at
}

// firstAckAfter is when the first increment after t was acknowledged
// (zero if none was).
func (in *incrementers) firstAckAfter(t time.Time) time.Time {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, a := range in.ackTimes {
		if a.After(t) {
			return a
		}
	}
	return time.Time{}
}

// unacked is when an increment was answered otherwise than with a 200.
func (in *incrementers) unacked() []time.Time {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]time.Time(nil), in.badTimes...)
}

func (in *incrementers) String() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return fmt.Sprintf("acknowledged %d, sent again after a 503 with Retry-After %d, after the load balancer's 502 %d, failed %d; %q",
		in.acked.Load(), in.retry.Load(), in.lb.Load(), in.failed.Load(), in.samples)
}

// socketClients hold WebSockets to the counter through the load
// balancer, each sending a message every few milliseconds and reading its
// echo, which names the version that answered. A WebSocket that closes
// (its object handed over, or the instance it went through stopping) is
// counted and opened again.
type socketClients struct {
	url  string
	stop chan struct{}
	wg   sync.WaitGroup

	mu        sync.Mutex
	changed   chan struct{}
	opened    int
	closes    map[string]int // open WebSockets that closed, by close status or error
	dialFails map[string]int // attempts to open one that failed, by error
	lastEcho  []string       // each client's last echo
	echoes    int
}

func startSocketClients(t *testing.T, url string, n int) *socketClients {
	s := &socketClients{url: strings.Replace(url, "http://", "ws://", 1) + "/api/ws", stop: make(chan struct{}),
		changed: make(chan struct{}), closes: map[string]int{}, dialFails: map[string]int{}, lastEcho: make([]string, n)}
	for i := 0; i < n; i++ {
		s.wg.Add(1)
		go s.run(i)
	}
	t.Cleanup(s.finish)
	return s
}

func (s *socketClients) run(i int) {
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-s.stop; cancel() }()
	for ctx.Err() == nil {
		dctx, dcancel := context.WithTimeout(ctx, 30*time.Second)
		c, _, err := websocket.Dial(dctx, s.url, nil)
		dcancel()
		if err != nil {
			if ctx.Err() == nil {
				s.update(func() { s.dialFails[firstLine(err.Error())]++ })
			}
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		s.update(func() { s.opened++ })
		for n := 0; ctx.Err() == nil; n++ {
			wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
			err := c.Write(wctx, websocket.MessageText, []byte(fmt.Sprintf("m%d", n)))
			var msg []byte
			if err == nil {
				_, msg, err = c.Read(wctx)
			}
			wcancel()
			if err != nil {
				if ctx.Err() == nil {
					s.closed(closeReason(err))
				}
				break
			}
			s.update(func() { s.echoes++; s.lastEcho[i] = string(msg) })
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
		c.CloseNow()
	}
}

// closeReason names how a WebSocket ended: its close frame's status, or
// "no close frame" and the error when the connection just ended.
func closeReason(err error) string {
	if st := websocket.CloseStatus(err); st != -1 {
		return "close " + strconv.Itoa(int(st))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "no close frame (EOF)"
	}
	return "no close frame: " + firstLine(err.Error())
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func (s *socketClients) closed(why string) { s.update(func() { s.closes[why]++ }) }

func (s *socketClients) update(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn()
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitEchoes waits until every client's last echo came from version v.
func (s *socketClients) waitEchoes(t *testing.T, v string, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		s.mu.Lock()
		all, changed := true, s.changed
		for _, e := range s.lastEcho {
			all = all && strings.HasPrefix(e, v+" ")
		}
		s.mu.Unlock()
		if all {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("not every WebSocket echoed from %s within %s: %s", v, within, s)
		}
	}
}

func (s *socketClients) finish() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.wg.Wait()
}

func (s *socketClients) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("%d clients opened %d WebSockets (%d again), %d echoes; closed under them: %v; failed to open: %v; last echoes %q",
		len(s.lastEcho), s.opened, s.opened-len(s.lastEcho), s.echoes, s.closes, s.dialFails, s.lastEcho)
}

// counts are how many open WebSockets closed under the clients, and how
// many the clients opened again (beyond their first).
func (s *socketClients) counts() (closed, reopened int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.closes {
		closed += c
	}
	return closed, s.opened - len(s.lastEcho)
}
