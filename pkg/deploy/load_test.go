package deploy

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"
)

// load keeps n clients requesting while a test deploys, and records every
// answer, so that the test waits on what the clients saw (the new version
// answered, the old one was being served) instead of sleeping, and asserts
// on the requests themselves.
type load struct {
	stopc chan struct{}
	wg    sync.WaitGroup

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced at every answer
	ok       int
	versions map[string]int // answers by version ("v2"), from the body
	reqs     []answer       // every request, in the order they ended
}

// answer is one request: when it started and ended, and how it failed ("" when it did not).
type answer struct {
	start, end time.Time
	version    string
	err        string
}

var versionRE = regexp.MustCompile(`\bv\d+\b`)

// startLoad starts n clients; client i requests url(i) in a loop. A request
// succeeds when it gets a 200 answer.
func startLoad(t *testing.T, n int, url func(i int) string) *load {
	t.Helper()
	l := &load{stopc: make(chan struct{}), changed: make(chan struct{}), versions: map[string]int{}}
	for i := range n {
		l.wg.Add(1)
		go l.client(url(i))
	}
	t.Cleanup(l.stop)
	return l
}

func (l *load) client(url string) {
	defer l.wg.Done()
	c := &http.Client{Timeout: 10 * time.Second}
	for {
		select {
		case <-l.stopc:
			return
		default:
		}
		a := answer{start: time.Now()}
		resp, err := c.Get(url)
		if err == nil {
			b, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case rerr != nil:
				err = rerr
			case resp.StatusCode != 200:
				err = fmt.Errorf("%s: %s", resp.Status, b)
			}
			a.version = versionRE.FindString(string(b))
		}
		a.end = time.Now()
		if err != nil {
			a.err = err.Error()
		}
		l.record(a)
		if err != nil {
			// A refused connection fails at once: do not spin on it.
			select {
			case <-l.stopc:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
}

func (l *load) record(a answer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, a)
	if a.err == "" {
		l.ok++
		l.versions[a.version]++
	}
	close(l.changed)
	l.changed = make(chan struct{})
}

// waitFor waits until cond holds over the answers so far (each answer
// wakes it up), up to a minute.
func (l *load) waitFor(t *testing.T, what string, cond func(ok int, versions map[string]int) bool) {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		l.mu.Lock()
		done, changed := cond(l.ok, l.versions), l.changed
		l.mu.Unlock()
		if done {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("load: %s did not happen within a minute (answers by version: %v)", what, l.snapshot().versions)
		}
	}
}

// waitServed waits until n more requests than now were answered by version v.
func (l *load) waitServed(t *testing.T, v string, n int) {
	t.Helper()
	l.mu.Lock()
	from := l.versions[v]
	l.mu.Unlock()
	l.waitFor(t, fmt.Sprintf("%d answers from %s", n, v), func(_ int, vs map[string]int) bool { return vs[v] >= from+n })
}

func (l *load) stop() {
	select {
	case <-l.stopc:
	default:
		close(l.stopc)
	}
	l.wg.Wait()
}

// loadResult is what the clients saw.
type loadResult struct {
	ok       int
	versions map[string]int
	failed   []answer
	reqs     []answer
}

// result stops the clients and returns what they saw.
func (l *load) result() loadResult {
	l.stop()
	return l.snapshot()
}

func (l *load) snapshot() loadResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := loadResult{ok: l.ok, versions: map[string]int{}, reqs: slices.Clone(l.reqs)}
	for k, v := range l.versions {
		r.versions[k] = v
	}
	for _, a := range l.reqs {
		if a.err != "" {
			r.failed = append(r.failed, a)
		}
	}
	return r
}

// outage is the longest stretch of time in which no request succeeded: from
// the end of one successful request to the end of the next (requests in
// flight across it, and those that failed in it, were waiting or failing).
func (r loadResult) outage() (from, to time.Time) {
	var ends []time.Time
	for _, a := range r.reqs {
		if a.err == "" {
			ends = append(ends, a.end)
		}
	}
	slices.SortFunc(ends, func(a, b time.Time) int { return a.Compare(b) })
	for i := 1; i < len(ends); i++ {
		if ends[i].Sub(ends[i-1]) > to.Sub(from) {
			from, to = ends[i-1], ends[i]
		}
	}
	return from, to
}

// failureSpan is the time from the start of the first failed request to
// the end of the last one (zero times when none failed).
func (r loadResult) failureSpan() (first, last time.Time) {
	for _, a := range r.failed {
		if first.IsZero() || a.start.Before(first) {
			first = a.start
		}
		if a.end.After(last) {
			last = a.end
		}
	}
	return first, last
}

// lastError is the last failure's message, for a test's report.
func (r loadResult) lastError() string {
	if len(r.failed) == 0 {
		return ""
	}
	return r.failed[len(r.failed)-1].err
}
