package assets

import (
	"testing"

	"github.com/valet-dev/valet/pkg/config"
)

func TestOptionsFromConfig(t *testing.T) {
	o := OptionsFromConfig(&config.Assets{Directory: "./dist", NotFoundHandling: NotFoundSPA}, "/app", "2025-06-01", nil)
	if o.Dir != "/app/dist" || o.NotFoundHandling != NotFoundSPA || !o.NavigationPrefersAssets {
		t.Errorf("OptionsFromConfig = %+v", o)
	}
	if o := OptionsFromConfig(&config.Assets{Directory: "/abs"}, "/app", "2024-01-01", nil); o.Dir != "/abs" || o.NavigationPrefersAssets {
		t.Errorf("absolute dir / old date = %+v", o)
	}
	if o := OptionsFromConfig(nil, "/app", "", nil); o.Dir != "" {
		t.Errorf("nil assets = %+v", o)
	}
}

func TestLargeFilesFromDisk(t *testing.T) {
	s := newTestServer(t, Options{MaxCachedFile: 64, CacheBytes: 128})
	full := do(s, "GET", "/assets/app-abc123.js", "Accept-Encoding", "gzip")
	if full.Code != 200 || full.Header().Get("Content-Encoding") != "" || full.Body.Len() != 22427 {
		t.Fatalf("uncached file = %d enc %q len %d", full.Code, full.Header().Get("Content-Encoding"), full.Body.Len())
	}
	if full.Header().Get("Content-Length") != "22427" {
		t.Errorf("Content-Length = %q", full.Header().Get("Content-Length"))
	}
	w := do(s, "GET", "/assets/app-abc123.js", "Range", "bytes=3-7")
	if w.Code != 206 || w.Body.String() != full.Body.String()[3:8] {
		t.Errorf("range from disk = %d %q", w.Code, w.Body.String())
	}
	if w := do(s, "HEAD", "/assets/app-abc123.js"); w.Body.Len() != 0 || w.Header().Get("Content-Length") != "22427" {
		t.Errorf("HEAD from disk: len %d, Content-Length %q", w.Body.Len(), w.Header().Get("Content-Length"))
	}
}
