package clustertest

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
)

// race sends n PUTs of key at once, each with header, and counts the
// answers by status.
func race(t *testing.T, s *Server, n int, key string, header http.Header) map[int]int {
	t.Helper()
	var (
		ready sync.WaitGroup
		done  sync.WaitGroup
		mu    sync.Mutex
	)
	statuses := map[int]int{}
	gate := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func(i int) {
			defer done.Done()
			ready.Done()
			<-gate // all n are started before any is sent
			resp, err := s.Do(context.Background(), http.MethodPut, key, header.Clone(), []byte{byte('a' + i)})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				statuses[-1]++
				t.Errorf("PUT %d: %v", i, err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[resp.StatusCode]++
		}(i)
	}
	ready.Wait()
	close(gate)
	done.Wait()
	return statuses
}

func put(t *testing.T, s *Server, key string, header http.Header, body string) *http.Response {
	t.Helper()
	resp, err := s.Do(context.Background(), http.MethodPut, key, header, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestConditionalWrites checks what workerd's cluster relies on: a create
// with If-None-Match: * and a replace with If-Match: <ETag> each succeed
// for exactly one of many simultaneous writers.
func TestConditionalWrites(t *testing.T) {
	s := Start(t)

	got := race(t, s, 20, "cluster/own.json", http.Header{"If-None-Match": {"*"}})
	if got[http.StatusOK] != 1 || got[http.StatusPreconditionFailed] != 19 {
		t.Fatalf("20 simultaneous If-None-Match: * creates of one key: want 1 × 200 and 19 × 412, got %v", got)
	}

	first := put(t, s, "cluster/lease.json", nil, "v1")
	etag := first.Header.Get("ETag")
	if first.StatusCode != http.StatusOK || etag == "" {
		t.Fatalf("plain PUT: %s, ETag %q", first.Status, etag)
	}
	got = race(t, s, 20, "cluster/lease.json", http.Header{"If-Match": {etag}})
	if got[http.StatusOK] != 1 || got[http.StatusPreconditionFailed] != 19 {
		t.Fatalf("20 simultaneous If-Match: <ETag> replaces: want 1 × 200 and 19 × 412, got %v", got)
	}
	if r := put(t, s, "cluster/lease.json", http.Header{"If-Match": {etag}}, "v3"); r.StatusCode != http.StatusPreconditionFailed {
		t.Fatalf("If-Match with a replaced ETag: want 412, got %s", r.Status)
	}
	if r := put(t, s, "cluster/absent.json", http.Header{"If-Match": {etag}}, "x"); r.StatusCode != http.StatusPreconditionFailed && r.StatusCode != http.StatusNotFound {
		t.Fatalf("If-Match on a missing key: want 412 or 404, got %s", r.Status)
	}
}

// TestSignaturesAreChecked: the server is a real S3 endpoint, refusing a
// request signed with another secret.
func TestSignaturesAreChecked(t *testing.T) {
	s := Start(t)
	if r := put(t, s, "k", nil, "v"); r.StatusCode != http.StatusOK {
		t.Fatalf("signed PUT: %s", r.Status)
	}
	s.SecretKey = "wrong" + s.SecretKey
	if r := put(t, s, "k", nil, "v"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("PUT signed with a wrong secret: want 403, got %s", r.Status)
	}
}
