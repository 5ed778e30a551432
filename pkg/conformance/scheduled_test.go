package conformance

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/valet-dev/valet/pkg/devserver"
)

// TestScheduled replays wrangler's --test-scheduled checks. Every expected
// value here was read from `wrangler dev --test-scheduled` 4.86 on a copy of
// this fixture (curl, Dec 2026):
//   - GET /__scheduled?cron= runs the handler inside the worker (wrangler's
//     middleware-scheduled) with its own controller {scheduledTime: now,
//     cron, noRetry}: controller.type is undefined; ?time= is ignored;
//   - GET /cdn-cgi/handler/scheduled (miniflare) passes ?time= as
//     milliseconds as it is (1745856238 stays 1745856238) and answers
//     workerd's outcome: "ok", or "exception" with a 500;
//   - a handler that throws under /__scheduled is a 500 with the error.
func TestScheduled(t *testing.T) {
	d := startDev(t, "scheduled", "", func(o *devserver.Options) { o.TestScheduled = true })
	t.Run("__scheduled", func(t *testing.T) {
		expect(t, d.get(t, "/__scheduled?cron=*+*+*+*+*"), 200, "Ran scheduled event")
		r := d.get(t, "/last")
		if !regexp.MustCompile(`^\* \* \* \* \* \d{13} undefined from config$`).MatchString(r.body) {
			t.Errorf("/last = %q, want \"* * * * * <now in ms> undefined from config\"", r.body)
		}
	})
	t.Run("cdn-cgi handler with time", func(t *testing.T) {
		expect(t, d.get(t, "/cdn-cgi/handler/scheduled?cron=0+*+*+*+*&time=1745856238"), 200, "ok")
		if r := d.get(t, "/last"); r.body != "0 * * * * 1745856238 undefined from config" {
			t.Errorf("/last = %q", r.body)
		}
	})
	t.Run("a failing handler is a 500 with the error", func(t *testing.T) {
		expect(t, d.get(t, "/__scheduled?cron=fail"), 500, "Error: the cron job failed")
		r := d.get(t, "/cdn-cgi/handler/scheduled?cron=fail")
		if r.StatusCode != 500 || r.body != "exception" {
			t.Errorf("/cdn-cgi/handler/scheduled?cron=fail = %d %q, want 500 \"exception\"", r.StatusCode, r.body)
		}
	})
	t.Run("other paths reach the worker", func(t *testing.T) {
		expect(t, d.get(t, "/other"), 200, "app /other")
	})
	t.Run("another handler name is a 404", func(t *testing.T) {
		// wrangler dev 4.86: 404 with this text.
		r := d.get(t, "/cdn-cgi/handler/other")
		want := `"/cdn-cgi/handler/other" is not a valid handler. Did you mean to use "/cdn-cgi/handler/scheduled" or "/cdn-cgi/handler/email"?`
		if r.StatusCode != 404 || r.body != want {
			t.Errorf("/cdn-cgi/handler/other = %d %q", r.StatusCode, r.body)
		}
	})
}

// TestScheduledWithoutFlag: without --test-scheduled /__scheduled is the
// app's, while /cdn-cgi/handler/scheduled still runs the handler (wrangler
// dev 4.86 always sets miniflare's unsafeTriggerHandlers; checked with
// curl on this fixture).
func TestScheduledWithoutFlag(t *testing.T) {
	d := startDev(t, "scheduled", "")
	expect(t, d.get(t, "/__scheduled?cron=*+*+*+*+*"), 200, "app /__scheduled")
	expect(t, d.get(t, "/last"), 200, "never")
	expect(t, d.get(t, "/cdn-cgi/handler/scheduled?cron=y&time=5"), 200, "ok")
	expect(t, d.get(t, "/last"), 200, "y 5 undefined from config")
}

// TestRequestCF checks request.cf as miniflare's fallback gives it.
func TestRequestCF(t *testing.T) {
	d := startDev(t, "scheduled", "")
	r := d.get(t, "/cf")
	var cf map[string]any
	if err := json.Unmarshal([]byte(r.body), &cf); err != nil {
		t.Fatalf("/cf = %q: %v", r.body, err)
	}
	for _, k := range []string{"colo", "country", "city", "continent", "latitude", "longitude", "postalCode", "region",
		"regionCode", "timezone", "asn", "asOrganization", "httpProtocol", "tlsVersion", "clientTcpRtt", "requestPriority", "edgeRequestKeepAliveStatus"} {
		if _, ok := cf[k]; !ok {
			t.Errorf("request.cf has no %s", k)
		}
	}
	if cf["colo"] != "DFW" || cf["country"] != "US" {
		t.Errorf("colo, country = %v, %v; want DFW, US", cf["colo"], cf["country"])
	}
}

// TestVarOverride is wrangler dev --var KEY:VALUE: it overrides the
// config's vars and leaves the others.
func TestVarOverride(t *testing.T) {
	d := startDev(t, "scheduled", "", func(o *devserver.Options) { o.Vars = map[string]string{"GREETING": "from --var"} })
	expect(t, d.get(t, "/vars"), 200, "from --var kept")
}

// TestExecutionContext: ctx.props is {}, and cloudflare:workers' env is
// not the very object the handler receives: `wrangler dev` 4.86 answers
// "{} false" on this fixture (checked with curl), as workerd does.
func TestExecutionContext(t *testing.T) {
	d := startDev(t, "scheduled", "")
	if r := d.get(t, "/props"); r.body != "{} false" {
		t.Errorf("/props = %q, want \"{} false\"", r.body)
	}
}
