package edgehost

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/config"
)

func cfgWithInterval(s string) *config.Config {
	return &config.Config{Deploy: &config.Deploy{Healthcheck: &config.Healthcheck{Interval: s}}}
}

func TestHealthCheckRecovers(t *testing.T) {
	n := 0
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n++
		if n < 3 {
			w.WriteHeader(502)
			return
		}
		w.WriteHeader(302)
	})
	hc := HealthCheck{Path: "/", Interval: 10 * time.Millisecond, Timeout: time.Second, Deadline: time.Second}
	res := hc.Run(context.Background(), h)
	if !res.OK || res.Attempts != 3 {
		t.Fatalf("%+v", res)
	}
}

func TestHealthCheckTimeout(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	hc := HealthCheck{Path: "/", Interval: 20 * time.Millisecond, Timeout: 30 * time.Millisecond, Deadline: 100 * time.Millisecond}
	res := hc.Run(context.Background(), h)
	if res.OK || res.Error == "" || res.Duration.Duration() > time.Second {
		t.Fatalf("%+v", res)
	}
}
