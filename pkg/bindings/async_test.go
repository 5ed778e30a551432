package bindings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
)

func intp(n int) *int           { return &n }
func floatp(f float64) *float64 { return &f }

// Two workers of one process, as valet dev -c app -c api runs them: app
// sends to jobs and binds api; api consumes jobs, implements a Workflow
// and has crons.
func asyncWorkers() []Worker {
	app := &config.Config{
		Name: "app",
		Queues: &config.Queues{Producers: []config.QueueProducer{
			{Binding: "JOBS", Queue: "jobs"}, {Binding: "LATER", Queue: "later", DeliveryDelay: intp(5)},
		}},
		Workflows: []config.Workflow{{Binding: "SIGNUP", Name: "signup", ClassName: "Signup", ScriptName: "api"}},
		Services: []config.ServiceBinding{
			{Binding: "API", Service: "api"},
			{Binding: "ADMIN", Service: "api", Entrypoint: "Admin", Props: map[string]any{"role": "admin"}},
			{Binding: "MAIL", Service: "mailer"},
			{Binding: "MAIL_RPC", Service: "mailer", Entrypoint: "Mail"},
		},
		Vars: map[string]any{"jobs": "a var named like the queue"},
	}
	api := &config.Config{
		Name: "api",
		Queues: &config.Queues{Consumers: []config.QueueConsumer{{
			Queue: "jobs", MaxBatchSize: intp(4), MaxBatchTimeout: floatp(1), MaxRetries: intp(2),
			DeadLetterQueue: "dlq", RetryDelay: intp(3),
		}}},
		Workflows: []config.Workflow{{Binding: "SIGNUP", Name: "signup", ClassName: "Signup"}},
		Triggers:  &config.Triggers{Crons: []string{"*/5 * * * *", "0 0 * * 1"}},
	}
	return []Worker{{Config: app, Service: "app"}, {Config: api, Service: "api"}}
}

// processServices makes both workers' bindings and the process's services,
// by name.
func processServices(t *testing.T, ctx Context) (map[string]string, map[string]map[string]string) {
	t.Helper()
	bindings := map[string]map[string]string{}
	for _, w := range ctx.Workers {
		wb, err := Workerd(w.Config, ctx)
		if err != nil {
			t.Fatal(err)
		}
		bindings[w.Service] = map[string]string{}
		for _, b := range wb {
			bindings[w.Service][b.Name] = b.Member + " " + b.Value
		}
	}
	if err := Process(ctx); err != nil {
		t.Fatal(err)
	}
	services := map[string]string{}
	for _, s := range ctx.Services.List() {
		services[s.Name] = s.Value
	}
	return services, bindings
}

// Queues, Workflows, cron triggers and service bindings are configured as
// workerd's own wrangler.jsonc support configures them (`workerd compile
// --config-only` on a wrangler.jsonc with each: the same modules, classes,
// binding names and JSON), one service each for the whole process.
func TestAsyncBindingsWorkerd(t *testing.T) {
	ctx := Context{PersistTo: t.TempDir(), Services: &Services{}, Workers: asyncWorkers()}
	services, bindings := processServices(t, ctx)

	app := bindings["app"]
	for name, want := range map[string]string{
		"JOBS":     `queue (name = "valet-queues-producer-jobs")`,
		"LATER":    `queue (name = "valet-queues-producer-later-delay-5")`,
		"SIGNUP":   `wrapped (moduleName = "cloudflare-internal:workflows-api", innerBindings = [(name = "fetcher", service = (name = "valet-workflows-front-signup"))])`,
		"API":      `service (name = "api")`,
		"ADMIN":    `service (name = "api", entrypoint = "Admin", props = (json = "{\"role\":\"admin\"}"))`,
		"MAIL":     `service (name = "valet-missing-mailer")`,
		"MAIL_RPC": `service (name = "valet-missing-mailer", entrypoint = "Mail")`,
		"jobs":     `text "a var named like the queue"`,
	} {
		if app[name] != want {
			t.Errorf("app's %s = %s\nwant %s", name, app[name], want)
		}
	}
	if len(bindings["api"]) != 1 {
		t.Errorf("api's bindings: %v (a consumer and crons are not in env)", bindings["api"])
	}
	for svc, parts := range map[string][]string{
		"valet-queues": {
			`bundled = "/workerd/queues.js"`, `compatibilityFlags = ["service_binding_extra_handlers"]`,
			`(name = "SHARD", durableObjectNamespace = (className = "QueueShard"))`,
			`(name = "CONSUMERS", json = "{\"jobs\":{\"consumer\":\"consumer:api\",\"maxBatchSize\":4,\"maxBatchTimeout\":1,\"maxRetries\":2,\"deadLetterQueue\":\"dlq\",\"retryDelay\":3}}")`,
			`(name = "consumer:api", service = "api")`,
			`uniqueKey = "QueueShard", enableSql = true`, `localDisk = "valet-queues-storage"`,
		},
		"valet-queues-producer-jobs":          {`(name = "QUEUE", service = (name = "valet-queues", props = (json = "{\"queue\":\"jobs\"}")))`},
		"valet-queues-producer-later-delay-5": {`(name = "DELAY", json = "5")`},
		"valet-cron": {
			`bundled = "/workerd/cron.js"`, `compatibilityFlags = ["service_binding_extra_handlers"]`,
			`(name = "SCHEDULE", durableObjectNamespace = (className = "Schedule"))`,
			`(name = "CRONS", json = "{\"cron:api\":[\"*/5 * * * *\",\"0 0 * * 1\"]}")`,
			`(name = "cron:api", service = "api")`, `uniqueKey = "Schedule"`, `localDisk = "valet-cron-storage"`,
		},
		"valet-workflows": {
			`bundled = "/workerd/workflows.js"`,
			`(name = "workflow:signup", durableObjectNamespace = (className = "miniflare-workflows-signup", serviceName = "api"))`,
			`(name = "WORKFLOWS", json = "{\"signup\":{}}")`, `localDisk = "valet-workflows-storage"`,
		},
		"valet-workflows-front-signup": {`(name = "WORKFLOW", service = (name = "valet-workflows", entrypoint = "WorkflowBinding", props = (json = "{\"workflow\":\"signup\"}")))`},
		"valet-missing-mailer":         {`\\\"mailer\\\" not found. Make sure it is running locally.`, `export { Missing as \"Mail\" };`},
	} {
		if services[svc] == "" {
			t.Errorf("no service %s (services: %v)", svc, keys(services))
			continue
		}
		for _, part := range parts {
			if !strings.Contains(services[svc], part) {
				t.Errorf("%s lacks %s:\n%s", svc, part, services[svc])
			}
		}
	}
	for _, svc := range []string{"valet-queues", "valet-cron", "valet-workflows"} {
		if strings.Contains(services[svc], "TEST_CLOCK") {
			t.Errorf("%s has a test clock outside tests", svc)
		}
	}
	// The worker implementing the Workflow runs its instances; the one
	// only binding it does not.
	if e := ctx.Services.Engines("api"); e == nil || len(e.Workflows) != 1 || e.Workflows[0].Class != "Signup" ||
		e.ActorClass != `(name = "valet-workflows", entrypoint = "Engine")` {
		t.Errorf("api's workflowsEngine %+v", e)
	}
	if e := ctx.Services.Engines("app"); e != nil {
		t.Errorf("app has a workflowsEngine %+v", e)
	}
	for _, dir := range []string{"queues", "cron", "workflows"} {
		if _, err := os.Stat(filepath.Join(ctx.PersistTo, dir)); err != nil {
			t.Errorf("no storage directory: %v", err)
		}
	}
}

// Under valet dev, as under wrangler dev, an instance's status carries its
// steps' outputs; on a host, as on Cloudflare, it does not.
func TestWorkflowsStepOutputsInDev(t *testing.T) {
	for _, dev := range []bool{false, true} {
		services, _ := processServices(t, Context{PersistTo: t.TempDir(), Services: &Services{}, Workers: asyncWorkers(), Dev: dev})
		if got := strings.Contains(services["valet-workflows"], `(name = "LOCAL_DEV", json = "true")`); got != dev {
			t.Errorf("Dev %v: LOCAL_DEV bound %v:\n%s", dev, got, services["valet-workflows"])
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// --no-crons: no cron service. Tests: each module under TEST_CLOCK, and
// reachable to move it.
func TestNoCronsAndTestClock(t *testing.T) {
	ctx := Context{PersistTo: t.TempDir(), Services: &Services{}, Workers: asyncWorkers(), NoCrons: true, TestClock: true}
	services, _ := processServices(t, ctx)
	if _, ok := services["valet-cron"]; ok {
		t.Error("a cron service under --no-crons")
	}
	for _, svc := range []string{"valet-queues", "valet-workflows"} {
		if !strings.Contains(services[svc], `(name = "TEST_CLOCK", json = "true")`) {
			t.Errorf("%s has no test clock", svc)
		}
	}
	if got := strings.Join(ctx.Services.Clocks(), " "); got != "valet-queues valet-workflows" {
		t.Errorf("clocks %q", got)
	}
}

// A queue's batches go to one worker, a Workflow is implemented by one.
func TestAsyncProcessConflicts(t *testing.T) {
	ws := asyncWorkers()
	ws[0].Config.Queues.Consumers = []config.QueueConsumer{{Queue: "jobs"}}
	err := Process(Context{PersistTo: t.TempDir(), Services: &Services{}, Workers: ws})
	if err == nil || !strings.Contains(err.Error(), `queue "jobs" has two consumers (app and api)`) {
		t.Errorf("err = %v", err)
	}
	ws = asyncWorkers()
	ws[0].Config.Workflows[0].ScriptName = ""
	err = Process(Context{PersistTo: t.TempDir(), Services: &Services{}, Workers: ws})
	if err == nil || !strings.Contains(err.Error(), `Workflow "signup" is implemented by two workers (app and api)`) {
		t.Errorf("err = %v", err)
	}
}

// The dashboard's rows: consumers and crons have rows of their own (keyed
// apart from env names) and no type; empty storage reads as nothing held.
func TestAsyncRowsAndStates(t *testing.T) {
	ws := asyncWorkers()
	c := ws[1].Config
	c.Queues.Producers = []config.QueueProducer{{Binding: "jobs", Queue: "jobs"}}
	var rows []string
	for _, b := range Rows(c, nil) {
		rows = append(rows, RowKey(b))
	}
	if strings.Join(rows, "|") != "jobs|queue consumer jobs|SIGNUP|cron */5 * * * *, 0 0 * * 1" {
		t.Errorf("rows %q", rows)
	}
	types, err := Types(c, nil, TypeContext{MainImport: "./src/index", WorkerName: "api"})
	if err != nil {
		t.Fatal(err)
	}
	if len(types) != 2 || types["jobs"] != "Queue" {
		t.Errorf("types %v", types)
	}
	states := States(c, Context{PersistTo: t.TempDir()})
	for k, want := range map[string]string{
		"jobs": "0 queued", "queue consumer jobs": "0 queued", "SIGNUP": "0 instances",
		"cron */5 * * * *, 0 0 * * 1": "not scheduled yet",
	} {
		if states[k] != want {
			t.Errorf("state of %s = %q, want %q", k, states[k], want)
		}
	}
}
