package edge

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/valet-dev/valet/pkg/assets"
	"github.com/valet-dev/valet/pkg/events"
)

// discardWriter is the cheapest ResponseWriter, so the benchmark measures
// routing and asset serving rather than the recorder.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

func benchServe(b *testing.B, s http.Handler, target string, hdr ...string) {
	r := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			s.ServeHTTP(w, r)
		}
	})
}

func BenchmarkEdgeAsset(b *testing.B) {
	a, err := assets.New(assets.Options{Dir: site, NotFoundHandling: assets.NotFoundSPA})
	if err != nil {
		b.Fatal(err)
	}
	em := events.NewEmitter(events.SinkFunc(func(events.Event) {}))
	s := New(Options{Assets: a, Worker: stubWorker("w"), Events: em})
	b.Run("html", func(b *testing.B) { benchServe(b, s, "/about") })
	b.Run("js-gzip", func(b *testing.B) { benchServe(b, s, "/assets/app-abc123.js", "Accept-Encoding", "gzip, br") })
	b.Run("miss-to-worker", func(b *testing.B) { benchServe(b, s, "/api/x") })
}
