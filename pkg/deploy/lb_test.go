package deploy

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// headerLB marks an answer the load balancer made itself: the host it
// sent the request to failed it (its connection broke), so no host
// answered.
const headerLB = "X-Test-Lb"

// roundRobin is the load balancer in front of a cluster's hosts in tests:
// each request (WebSocket upgrades included) goes to the next host in
// turn. As a real one does, it skips a host that refuses the connection
// (tries the next); a request a host took and then dropped is answered 502
// with headerLB, as it can be sent nowhere else safely.
type roundRobin struct {
	targets []*url.URL
	next    atomic.Uint64
	srv     *httptest.Server
	// dropped counts, per host, the requests it took and dropped.
	dropped []atomic.Int64
	// lastDrop is, per host, when it last dropped one (Unix ns).
	lastDrop []atomic.Int64
}

func newRoundRobin(t *testing.T, hosts ...string) *roundRobin {
	t.Helper()
	lb := &roundRobin{}
	for _, h := range hosts {
		lb.targets = append(lb.targets, &url.URL{Scheme: "http", Host: h})
	}
	lb.dropped = make([]atomic.Int64, len(hosts))
	lb.lastDrop = make([]atomic.Int64, len(hosts))
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
	start := lb.next.Add(1)
	var err error
	for i := range lb.targets {
		n := int((start + uint64(i)) % uint64(len(lb.targets)))
		out := r.Clone(r.Context())
		out.URL.Host = lb.targets[n].Host
		resp, err2 := lbTransport.RoundTrip(out)
		if err2 == nil {
			return resp, nil
		}
		if err = err2; !refused(err) {
			if r.Context().Err() == nil { // not the client gone
				lb.dropped[n].Add(1)
				lb.lastDrop[n].Store(time.Now().UnixNano())
			}
			return nil, fmt.Errorf("host %d (%s): %w", n, lb.targets[n].Host, err)
		}
	}
	return nil, err
}

// drops is, per host, how many requests it took and dropped so far.
func (lb *roundRobin) drops() []int64 {
	out := make([]int64, len(lb.dropped))
	for i := range lb.dropped {
		out[i] = lb.dropped[i].Load()
	}
	return out
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

// lastDropAt is when host i last dropped a request (zero if never).
func (lb *roundRobin) lastDropAt(i int) time.Time {
	if ns := lb.lastDrop[i].Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// URL is where clients reach the cluster.
func (lb *roundRobin) URL() string { return lb.srv.URL }
