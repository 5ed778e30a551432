package conformance

import (
	"encoding/json"
	"testing"

	"github.com/valet-dev/valet/pkg/devserver"
)

// TestScheduled replays wrangler's --test-scheduled checks: GET /__scheduled
// (and /cdn-cgi/handler/scheduled) run the scheduled handler and answer
// "Ran scheduled event"; without the flag they reach the worker.
func TestScheduled(t *testing.T) {
	d := startDev(t, "scheduled", "", func(o *devserver.Options) { o.TestScheduled = true })
	t.Run("__scheduled", func(t *testing.T) {
		expect(t, d.get(t, "/__scheduled?cron=*+*+*+*+*"), 200, "Ran scheduled event")
		expect(t, d.get(t, "/last"), 200, "* * * * * ")
		expect(t, d.get(t, "/last"), 200, " scheduled from config")
	})
	t.Run("cdn-cgi handler with time", func(t *testing.T) {
		expect(t, d.get(t, "/cdn-cgi/handler/scheduled?cron=0+*+*+*+*&time=1745856238"), 200, "Ran scheduled event")
		if r := d.get(t, "/last"); r.body != "0 * * * * 1745856238000 scheduled from config" {
			t.Errorf("/last = %q", r.body)
		}
	})
	t.Run("a failing handler is a 500 with the error", func(t *testing.T) {
		expect(t, d.get(t, "/__scheduled?cron=fail"), 500, "the cron job failed")
	})
	t.Run("other paths reach the worker", func(t *testing.T) {
		expect(t, d.get(t, "/other"), 200, "app /other")
	})
}

func TestScheduledNeedsFlag(t *testing.T) {
	d := startDev(t, "scheduled", "")
	expect(t, d.get(t, "/__scheduled?cron=*+*+*+*+*"), 200, "app /__scheduled")
	expect(t, d.get(t, "/cdn-cgi/handler/scheduled"), 200, "app /cdn-cgi/handler/scheduled")
	expect(t, d.get(t, "/last"), 200, "never")
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

// TestExecutionContext: ctx.props is {} and cloudflare:workers' env is the
// env the handler receives.
func TestExecutionContext(t *testing.T) {
	d := startDev(t, "scheduled", "")
	if r := d.get(t, "/props"); r.body != "{} true" {
		t.Errorf("/props = %q, want \"{} true\"", r.body)
	}
}
