package deploy

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// headerLB marks an answer the load balancer made itself: the host it
// sent the request to failed it (its connection broke), so no host
// answered.
const headerLB = "X-Test-Lb"

// headerLBHost names the host (its index) that answered.
const headerLBHost = "X-Test-Host"

// roundRobin is the load balancer in front of a cluster's hosts in tests:
// each request (WebSocket upgrades included) goes to the next host in
// turn. As a real one does, it skips a host that refuses the connection
// (tries the next); a request a host took and then dropped is answered 502
// with headerLB, as it can be sent nowhere else safely.
type roundRobin struct {
	targets []*url.URL
	next    atomic.Uint64
	srv     *httptest.Server

	mu   sync.Mutex
	log  []lbRecord   // every request passed on, as it was answered
	dead map[int]bool // hosts killed (down)
	// strays counts, per host, what a killed host's address answered
	// that its edge did not (see RoundTrip).
	strays []int64
}

// lbRecord is a request the load balancer passed on to a host.
type lbRecord struct {
	start, end time.Time
	host       int
	path       string
	status     int // 0: the host dropped it
	retryAfter bool
}

func newRoundRobin(t *testing.T, hosts ...string) *roundRobin {
	t.Helper()
	lb := &roundRobin{dead: map[int]bool{}, strays: make([]int64, len(hosts))}
	for _, h := range hosts {
		lb.targets = append(lb.targets, &url.URL{Scheme: "http", Host: h})
	}
	rp := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.Out.URL.Scheme = "http"; r.Out.Host = r.In.Host },
		Transport: lb,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			w.Header().Set(headerLB, err.Error())
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	lb.srv = httptest.NewServer(rp)
	t.Cleanup(lb.srv.Close)
	return lb
}

// RoundTrip sends r to the next host that accepts the connection.
func (lb *roundRobin) RoundTrip(r *http.Request) (*http.Response, error) {
	next := lb.next.Add(1)
	start := time.Now()
	var err error
	for i := range lb.targets {
		n := int((next + uint64(i)) % uint64(len(lb.targets)))
		out := r.Clone(r.Context())
		out.URL.Host = lb.targets[n].Host
		resp, err2 := lbTransport.RoundTrip(out)
		if err2 == nil && lb.stray(n, resp) {
			lb.record(lbRecord{start: start, host: n, path: r.URL.Path})
			return nil, fmt.Errorf("host %d (%s) is down: its address answered %d, not its edge", n, lb.targets[n].Host, resp.StatusCode)
		}
		if err2 == nil {
			resp.Header.Set(headerLBHost, strconv.Itoa(n))
			lb.record(lbRecord{start: start, host: n, path: r.URL.Path, status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After") != ""})
			return resp, nil
		}
		if err = err2; !refused(err) {
			if r.Context().Err() == nil { // not the client gone
				lb.record(lbRecord{start: start, host: n, path: r.URL.Path})
			}
			return nil, fmt.Errorf("host %d (%s): %w", n, lb.targets[n].Host, err)
		}
	}
	return nil, err
}

// down marks host i killed (or alive again): see stray.
func (lb *roundRobin) down(i int, dead bool) {
	lb.mu.Lock()
	lb.dead[i] = dead
	lb.mu.Unlock()
}

// stray reports, and closes, an answer of a killed host that its edge did
// not make: for a moment after a container dies, dockerd's userland proxy
// still accepts connections on its published port and relays them to an
// address the container no longer holds. Where that address leads
// anywhere (a container with a second network, on a machine whose default
// route ends at a proxy that answers everything), something else answers.
// A client behind a load balancer sees a dead host either way; the LB
// counts it as dropped by that host. A 2xx, or the edge's 503 with
// Retry-After, is never taken for one.
func (lb *roundRobin) stray(i int, resp *http.Response) bool {
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300 ||
		resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != ""
	lb.mu.Lock()
	defer lb.mu.Unlock()
	if !lb.dead[i] || ok {
		return false
	}
	resp.Body.Close()
	lb.strays[i]++
	return true
}

// strayAnswers is, per host, how many answers stray counted so far.
func (lb *roundRobin) strayAnswers() []int64 {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return slices.Clone(lb.strays)
}

func (lb *roundRobin) record(r lbRecord) {
	r.end = time.Now()
	lb.mu.Lock()
	lb.log = append(lb.log, r)
	lb.mu.Unlock()
}

// drops is, per host, how many requests it took and dropped so far.
func (lb *roundRobin) drops() []int64 {
	out := make([]int64, len(lb.targets))
	lb.mu.Lock()
	defer lb.mu.Unlock()
	for _, r := range lb.log {
		if r.status == 0 {
			out[r.host]++
		}
	}
	return out
}

// lastDropAt is when host i last dropped a request (zero if never).
func (lb *roundRobin) lastDropAt(i int) time.Time {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	var at time.Time
	for _, r := range lb.log {
		if r.status == 0 && r.host == i && r.end.After(at) {
			at = r.end
		}
	}
	return at
}

// lbTally is how the requests of a time were answered.
type lbTally struct {
	OK, Retry, Other int
	Dropped          []int          // per host
	Others           map[string]int // "host N: status"
	LongestOK        time.Duration  // the longest wait for a 2xx
}

func (t lbTally) String() string {
	return fmt.Sprintf("%d answered 2xx (the longest after %s), %d 503 with Retry-After, %d other %v, dropped per host %v",
		t.OK, t.LongestOK.Round(time.Millisecond), t.Retry, t.Other, t.Others, t.Dropped)
}

// tally counts how the requests begun between from and to for the paths
// were answered.
func (lb *roundRobin) tally(from, to time.Time, paths ...string) lbTally {
	t := lbTally{Dropped: make([]int, len(lb.targets)), Others: map[string]int{}}
	lb.mu.Lock()
	defer lb.mu.Unlock()
	for _, r := range lb.log {
		if r.start.Before(from) || r.start.After(to) || !slices.Contains(paths, r.path) {
			continue
		}
		switch {
		case r.status == 0:
			t.Dropped[r.host]++
		case r.status >= 200 && r.status < 300:
			t.OK++
			t.LongestOK = max(t.LongestOK, r.end.Sub(r.start))
		case r.status == http.StatusServiceUnavailable && r.retryAfter:
			t.Retry++
		default:
			t.Other++
			t.Others[fmt.Sprintf("host %d: %d", r.host, r.status)]++
		}
	}
	return t
}

var lbTransport = &http.Transport{
	DialContext:         (&net.Dialer{}).DialContext,
	MaxIdleConnsPerHost: 64,
}

// refused is a connection the host did not accept: nothing was sent.
func refused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" || errors.Is(err, syscall.ECONNREFUSED)
}

// URL is where clients reach the cluster.
func (lb *roundRobin) URL() string { return lb.srv.URL }

// TestLBCountsStrayAnswersAsDrops: once a host is marked down, an answer
// from its address that is neither a 2xx nor a 503 with Retry-After is
// that host's drop (a 502 from the load balancer, recorded with no status);
// its 2xx and 503s still pass, and a live host's 403 passes as it is.
func TestLBCountsStrayAnswersAsDrops(t *testing.T) {
	var status atomic.Int32
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status.Load() == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "1")
		}
		w.WriteHeader(int(status.Load()))
	}))
	defer host.Close()
	lb := newRoundRobin(t, host.Listener.Addr().String())
	get := func(code int) (int, string) {
		t.Helper()
		status.Store(int32(code))
		resp, err := http.Get(lb.URL() + "/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get(headerLB)
	}
	if code, lbErr := get(http.StatusForbidden); code != http.StatusForbidden || lbErr != "" {
		t.Fatalf("a live host's 403: %d %q, want it passed on", code, lbErr)
	}
	lb.down(0, true)
	for _, c := range []int{http.StatusOK, http.StatusServiceUnavailable} {
		if code, lbErr := get(c); code != c || lbErr != "" {
			t.Errorf("a down host's %d: %d %q, want it passed on", c, code, lbErr)
		}
	}
	if code, lbErr := get(http.StatusForbidden); code != http.StatusBadGateway || !strings.Contains(lbErr, "is down") {
		t.Errorf("a down host's 403: %d %q, want the load balancer's 502", code, lbErr)
	}
	if d, s := lb.drops(), lb.strayAnswers(); d[0] != 1 || s[0] != 1 {
		t.Errorf("drops %v, strays %v; want 1 and 1", d, s)
	}
	lb.down(0, false)
	if code, _ := get(http.StatusForbidden); code != http.StatusForbidden {
		t.Errorf("a host up again: its 403 gave %d", code)
	}
}
