package runtime

import (
	"strings"
	"testing"
)

func TestHelloWorld(t *testing.T) {
	w := startWorker(t, `
export default {
  async fetch(request: Request, env: any, ctx: any): Promise<Response> {
    const url = new URL(request.url);
    return new Response("hello " + url.pathname + " " + request.method);
  },
};`, nil)
	resp, body := w.get(t, "/abc?x=1")
	if resp.StatusCode != 200 || body != "hello /abc GET" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain;charset=UTF-8" {
		t.Errorf("content-type %q", ct)
	}
	_ = strings.TrimSpace
}
