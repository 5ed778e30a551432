package edgehost

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/events"
)

// HealthCheck is deploy.healthcheck with its defaults (after kamal-proxy's).
type HealthCheck struct {
	Path     string        `json:"path"`
	Interval time.Duration `json:"interval"`
	Timeout  time.Duration `json:"timeout"`
	Deadline time.Duration `json:"deadline"`
}

// HealthFromConfig reads deploy.healthcheck: path "/", every 1s, 5s per
// check, 30s in all unless set.
func HealthFromConfig(c *config.Config) (HealthCheck, error) {
	h := HealthCheck{Path: "/", Interval: time.Second, Timeout: 5 * time.Second, Deadline: 30 * time.Second}
	if c == nil || c.Deploy == nil || c.Deploy.Healthcheck == nil {
		return h, nil
	}
	hc := c.Deploy.Healthcheck
	if hc.Path != "" {
		if hc.Path[0] != '/' {
			return h, fmt.Errorf("deploy.healthcheck.path %q must start with /", hc.Path)
		}
		h.Path = hc.Path
	}
	for _, f := range []struct {
		name string
		val  string
		dst  *time.Duration
	}{{"interval", hc.Interval, &h.Interval}, {"timeout", hc.Timeout, &h.Timeout}, {"deadline", hc.Deadline, &h.Deadline}} {
		if f.val == "" {
			continue
		}
		d, err := time.ParseDuration(f.val)
		if err != nil || d <= 0 {
			return h, fmt.Errorf("deploy.healthcheck.%s %q is not a positive Go duration (e.g. \"2s\", \"500ms\")", f.name, f.val)
		}
		*f.dst = d
	}
	return h, nil
}

// CheckResult is the outcome of a health check.
type CheckResult struct {
	OK       bool          `json:"ok"`
	Path     string        `json:"path"`
	Status   int           `json:"status,omitempty"` // of the last attempt
	Error    string        `json:"error,omitempty"`  // of the last attempt
	Body     string        `json:"body,omitempty"`   // start of the last failing response
	Attempts int           `json:"attempts"`
	Duration events.Millis `json:"duration_ms"`
}

// Run checks h through handler (the new version, in-process, before it
// takes traffic) until a 2xx/3xx answer or the deadline.
func (hc HealthCheck) Run(ctx context.Context, h http.Handler) CheckResult {
	start := time.Now()
	res := CheckResult{Path: hc.Path}
	deadline := time.NewTimer(hc.Deadline)
	defer deadline.Stop()
	for {
		res.Attempts++
		res.Status, res.Body, res.Error = hc.once(ctx, h)
		if res.Error == "" && res.Status >= 200 && res.Status < 400 {
			res.OK, res.Body = true, ""
			break
		}
		if time.Since(start)+hc.Interval > hc.Deadline {
			break
		}
		select {
		case <-ctx.Done():
			res.Error = ctx.Err().Error()
			res.Duration = events.Millis(time.Since(start))
			return res
		case <-deadline.C:
			res.Duration = events.Millis(time.Since(start))
			return res
		case <-time.After(hc.Interval):
		}
	}
	res.Duration = events.Millis(time.Since(start))
	return res
}

func (hc HealthCheck) once(ctx context.Context, h http.Handler) (int, string, string) {
	ctx, cancel := context.WithTimeout(ctx, hc.Timeout)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "http://localhost"+hc.Path, nil)
	req.Header.Set("User-Agent", "valet-healthcheck")
	rec := httptest.NewRecorder()
	done := make(chan string, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Sprintf("panic: %v", p)
			}
		}()
		h.ServeHTTP(rec, req)
		done <- ""
	}()
	select {
	case msg := <-done:
		if msg != "" {
			return 0, "", msg
		}
		body := rec.Body.String()
		if len(body) > 512 {
			body = body[:512] + "…"
		}
		return rec.Code, body, ""
	case <-ctx.Done():
		return 0, "", fmt.Sprintf("no answer within %s", hc.Timeout)
	}
}
