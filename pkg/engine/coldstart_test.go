package engine_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

// BenchmarkColdStart measures create + start + port ready (+ one HTTP
// request) of a FROM scratch Go server: the floor of a Durable Object
// container's cold start. "published" goes through 127.0.0.1 and dockerd's
// proxy; "container-ip" dials the container on valet's bridge directly.
//
//	go test ./pkg/engine -run '^$' -bench ColdStart -benchtime 20x
func BenchmarkColdStart(b *testing.B) {
	e := enginetest.Connect(b)
	img := enginetest.GoImage(b, e, "server", serverSource)
	for _, mode := range []struct {
		name  string
		ports []int
	}{{"published", []int{8080}}, {"container-ip", nil}} {
		b.Run(mode.name, func(b *testing.B) {
			ctx := context.Background()
			var ready, first time.Duration
			for b.Loop() {
				start := time.Now()
				id, err := e.RunContainer(ctx, engine.ContainerSpec{Image: img, Ports: mode.ports, Labels: enginetest.Labels(b)})
				if err != nil {
					b.Fatal(err)
				}
				addr, err := e.WaitPort(ctx, id, 8080)
				if err != nil {
					b.Fatal(err)
				}
				ready += time.Since(start)
				resp, err := http.Get("http://" + addr + "/")
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				first += time.Since(start)
				b.StopTimer()
				if err := e.Remove(ctx, id); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(ready.Milliseconds())/float64(b.N), "ms-ready/op")
			b.ReportMetric(float64(first.Milliseconds())/float64(b.N), "ms-first-response/op")
		})
	}
}
