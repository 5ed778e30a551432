package conformance

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/appserver"
	"github.com/valet-dev/valet/pkg/bindings"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/devserver"
)

// cronPrelude are the requests sent before cron's /run, through the dev
// server (/cdn-cgi/handler/scheduled runs the handler, which /run then
// reads); their answers are steps too.
var cronPrelude = []string{
	"/cdn-cgi/handler/scheduled?cron=*/5+*+*+*+*&time=1700000100000",
	"/cdn-cgi/handler/scheduled?cron=fail",
}

// startBinding starts valet dev on a fixture of bindingKinds: services
// with its other worker, as valet dev -c wrangler.jsonc -c
// other/wrangler.jsonc.
func startBinding(t *testing.T, dir, kind string, flags ...func(*devserver.Options)) *dev {
	t.Helper()
	if kind == "services" {
		other, err := config.Load(config.LoadOptions{Path: filepath.Join(dir, "other", "wrangler.jsonc")})
		if err != nil {
			t.Fatal(err)
		}
		flags = append(flags, func(o *devserver.Options) { o.Others = []*config.Project{other} })
	}
	d, err := tryDevIn(t, dir, "", flags...)
	if err != nil {
		t.Fatalf("dev ended before ready: %v", err)
	}
	return d
}

// bindingSteps are a fixture's prelude answers (cron's), then its /run.
func bindingSteps(t *testing.T, base, kind string) []json.RawMessage {
	t.Helper()
	var steps []json.RawMessage
	if kind == "cron" {
		for _, path := range cronPrelude {
			res, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			step, _ := json.Marshal([]any{"GET " + path, map[string]any{"status": res.StatusCode, "body": string(body)}})
			steps = append(steps, step)
		}
	}
	return append(steps, runSteps(t, base)...)
}

// TestQueueMessagesSurviveRestart: a message valet dev has not delivered
// yet (its consumer retries it while the fixture holds it) is still there
// after valet dev stops and starts again, and is delivered then. The
// dashboard counts it meanwhile.
func TestQueueMessagesSurviveRestart(t *testing.T) {
	dir := fixture(t, filepath.Join("bindings", "queues"))
	state := t.TempDir()
	d := startBinding(t, dir, "queues", persistTo(state))
	if got := string(getBody(t, d.url+"/hold")); got != "held" {
		t.Fatalf("/hold = %q", got)
	}
	// Wait for the consumer to have seen it once: it is out of the
	// producer and in the queue's storage.
	var attempts []map[string]any
	if err := json.Unmarshal(getBody(t, d.url+"/held?tag=held-attempt&n=1"), &attempts); err != nil || len(attempts) < 1 {
		t.Fatalf("the consumer never saw the held message: %v %v", attempts, err)
	}
	p, err := config.Load(config.LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if st := bindings.States(p.Config, bindings.Context{PersistTo: state})["HELD"]; st != "1 queued" {
		t.Errorf("dashboard: HELD is %q, want \"1 queued\"", st)
	}
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}

	d = startBinding(t, dir, "queues", persistTo(state))
	getBody(t, d.url+"/release")
	var acked []map[string]any
	if err := json.Unmarshal(getBody(t, d.url+"/held?tag=held-acked&n=1"), &acked); err != nil || len(acked) != 1 {
		t.Fatalf("the held message was not delivered after the restart: %v %v", acked, err)
	}
	if n, _ := acked[0]["attempts"].(float64); n < 2 {
		t.Errorf("delivered at attempt %v: not the message sent before the restart", acked[0]["attempts"])
	}
}

// TestWorkflowSurvivesRestart: an instance waiting for an event when valet
// dev stops takes it after valet dev starts again, and completes with the
// results of the steps it ran before.
func TestWorkflowSurvivesRestart(t *testing.T) {
	dir := fixture(t, filepath.Join("bindings", "workflows"))
	state := t.TempDir()
	d := startBinding(t, dir, "workflows", persistTo(state))
	if got := string(getBody(t, d.url+"/start?id=survivor")); got != `{"status":"running","output":null}` {
		t.Fatalf("/start = %s", got)
	}
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	d = startBinding(t, dir, "workflows", persistTo(state))
	var status struct {
		Status string `json:"status"`
		Output struct {
			Doubled  map[string]int `json:"doubled"`
			Flaky    string         `json:"flaky"`
			Approval struct {
				Payload string `json:"payload"`
			} `json:"approval"`
		} `json:"output"`
	}
	body := getBody(t, d.url+"/finish?id=survivor")
	if err := json.Unmarshal(body, &status); err != nil {
		t.Fatal(err)
	}
	if status.Status != "complete" || status.Output.Doubled["n"] != 18 || status.Output.Flaky != "ok after 3" || status.Output.Approval.Payload != "after" {
		t.Errorf("/finish = %s", body)
	}
}

// TestCronTriggersRunOnTheirSchedule: valet dev runs a cron trigger when
// its time comes (here, moved forward on the test clock), with the cron
// and the occurrence's time, as a host does; the dashboard shows the next
// run. wrangler dev does not run them by itself.
func TestCronTriggersRunOnTheirSchedule(t *testing.T) {
	dir := fixture(t, filepath.Join("bindings", "cron"))
	state := t.TempDir()
	clock := &appserver.TestClock{}
	d := startBinding(t, dir, "cron", persistTo(state), func(o *devserver.Options) { o.TestClock = clock })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Advance(0) returns once each schedule is armed.
	before := time.Now()
	if err := clock.Advance(ctx, 0); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	next := func(t time.Time) time.Time { return t.UTC().Truncate(5 * time.Minute).Add(5 * time.Minute) }
	p, err := config.Load(config.LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	st := bindings.States(p.Config, bindings.Context{PersistTo: state})["cron */5 * * * *, 0 12 * * MON-FRI"]
	if st != "next "+next(before).Format("15:04 UTC") && st != "next "+next(after).Format("15:04 UTC") {
		t.Errorf("dashboard: the crons' state is %q, want the next 5-minute mark (%s)", st, next(before).Format("15:04 UTC"))
	}
	// Move the clock to half a second before the next occurrence: its
	// alarm comes due now.
	due := next(time.Now())
	if err := clock.Advance(ctx, time.Until(due)-500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var runs []struct {
		Cron          string `json:"cron"`
		ScheduledTime int64  `json:"scheduledTime"`
	}
	if err := json.Unmarshal(getBody(t, d.url+"/wait?n=1"), &runs); err != nil || len(runs) != 1 {
		t.Fatalf("the cron did not run: %v %v", runs, err)
	}
	if runs[0].Cron != "*/5 * * * *" || runs[0].ScheduledTime != due.UnixMilli() {
		t.Errorf("ran %+v, want cron */5 * * * * at %d (%s)", runs[0], due.UnixMilli(), due)
	}
}

// TestNoCrons: with --no-crons nothing schedules the crons (no schedule is
// stored) while /cdn-cgi/handler/scheduled still runs the handler; the
// dashboard says they are off.
func TestNoCrons(t *testing.T) {
	dir := fixture(t, filepath.Join("bindings", "cron"))
	state := t.TempDir()
	d := startBinding(t, dir, "cron", persistTo(state), func(o *devserver.Options) { o.NoCrons = true })
	expect(t, d.get(t, "/cdn-cgi/handler/scheduled?cron=x&time=5"), 200, "ok")
	if got := string(getBody(t, d.url+"/run")); !strings.Contains(got, `"cron":"x","scheduledTime":5`) {
		t.Errorf("/run = %s", got)
	}
	if _, err := os.Stat(filepath.Join(state, "cron")); !os.IsNotExist(err) {
		t.Errorf("a schedule was stored under --no-crons: %v", err)
	}
	p, err := config.Load(config.LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if st := bindings.States(p.Config, bindings.Context{PersistTo: state, NoCrons: true})["cron */5 * * * *, 0 12 * * MON-FRI"]; st != "off (--no-crons)" {
		t.Errorf("dashboard: %q", st)
	}
}
