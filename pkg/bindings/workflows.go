package bindings

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// workflows are `workflows`: each binding reaches workerd's bundled
// Workflows (`/workerd/workflows.js`) through the
// `cloudflare-internal:workflows-api` wrapper and a front worker per
// Workflow that answers as wrangler dev does (js/workflow.js), and the
// worker that exports the class runs its instances (its workflowsEngine).
// One service runs the engine for every worker of the process; the
// instances live under PersistTo/workflows.
var workflows = &Kind{
	Name:  "workflow",
	Order: 18,
	List: func(c *config.Config, _ []string) []Binding {
		var out []Binding
		for _, w := range c.Workflows {
			out = append(out, Binding{Name: w.Binding, ID: w.Name, Class: w.ClassName, ScriptName: w.ScriptName})
		}
		return out
	},
	Workerd: func(b Binding, ctx Context) (workerd.Binding, error) {
		fetcher := workerd.NewStruct().Text("name", "fetcher").Set("service", workflowFront(b.ID, ctx))
		wrapped := workerd.NewStruct().Text("moduleName", "cloudflare-internal:workflows-api").Set("innerBindings", workerd.List(fetcher.String()))
		return workerd.Binding{Name: b.Name, Member: "wrapped", Value: wrapped.String()}, nil
	},
	// As wrangler types: typed by the payload of the class's run() when
	// the worker exports it, untyped (with the class named) otherwise.
	Type: func(b Binding, ctx TypeContext) (string, error) {
		if b.ScriptName != "" && b.ScriptName != ctx.WorkerName {
			return fmt.Sprintf("Workflow /* %s from %s */", b.Class, b.ScriptName), nil
		}
		if ctx.MainImport == "" || !IsIdentifier(b.Class) {
			return fmt.Sprintf("Workflow /* %s */", b.Class), nil
		}
		return fmt.Sprintf("Workflow<Parameters<import(%q).%s['run']>[0]['payload']>", ctx.MainImport, b.Class), nil
	},
	State:   workflowState,
	Data:    func(b Binding) string { return fmt.Sprintf("Workflow %s (its instances)", b.ID) },
	Process: workflowsProcess,
}

const workflowsService = "valet-workflows"

// workflowClass is the Durable Object class workerd names a Workflow's
// instances by, in the worker that implements it.
func workflowClass(name string) string { return "miniflare-workflows-" + name }

// workflowDesignator designates the bundled module's binding entrypoint for
// the Workflow name.
func workflowDesignator(name string) string {
	j, _ := json.Marshal(map[string]string{"workflow": name})
	return workerd.NewStruct().Text("name", workflowsService).Text("entrypoint", "WorkflowBinding").
		Set("props", workerd.NewStruct().Text("json", string(j)).String()).String()
}

// workflowFront adds the front worker of the Workflow name and designates
// it. Only bindings reach the Workflow there: workerd keeps the instances
// in the storage of the engine's bindingService, which is the bundled
// module's, so the Workflow in ctx.exports answers as the bundled module
// does.
func workflowFront(name string, ctx Context) string {
	front := workflowsService + "-front-" + name
	ctx.Services.Add(frontWorker(front, "workflow.js", workflowFrontJS,
		workerd.NewStruct().Text("name", "WORKFLOW").Set("service", workflowDesignator(name)).String()))
	return workerd.NewStruct().Text("name", front).String()
}

// workflowFrontJS is the worker between a Workflow's binding and the
// bundled module.
//
//go:embed js/workflow.js
var workflowFrontJS string

// workflowLimits is a Workflow as the bundled module's WORKFLOWS takes it.
type workflowLimits struct {
	Steps int `json:"steps,omitempty"`
}

// workflowsProcess adds the engine when a worker of the process implements
// a Workflow (one without script_name, or naming itself), and sets that
// worker's workflowsEngine.
func workflowsProcess(ctx Context) error {
	limits := map[string]workflowLimits{}
	implementedBy := map[string]string{}
	var bindings []string
	for _, w := range ctx.Workers {
		for _, wf := range w.Config.Workflows {
			if wf.ScriptName != "" && wf.ScriptName != w.Config.Name {
				continue
			}
			if by, dup := implementedBy[wf.Name]; dup {
				if by == w.Service {
					continue // two bindings of one Workflow
				}
				return fmt.Errorf("Workflow %q is implemented by two workers (%s and %s): give each its own name", wf.Name, by, w.Service)
			}
			implementedBy[wf.Name] = w.Service
			var l workflowLimits
			if wf.Limits != nil {
				l.Steps = wf.Limits.Steps
			}
			limits[wf.Name] = l
			e := ctx.Services.Engine(w.Service)
			e.ActorClass = workerd.NewStruct().Text("name", workflowsService).Text("entrypoint", "Engine").String()
			e.Workflows = append(e.Workflows, workerd.WorkflowClass{Class: wf.ClassName, Name: wf.Name, BindingService: workflowDesignator(wf.Name)})
			ns := workerd.NewStruct().Text("className", workflowClass(wf.Name)).Text("serviceName", w.Service)
			bindings = append(bindings, workerd.NewStruct().Text("name", "workflow:"+wf.Name).Set("durableObjectNamespace", ns.String()).String())
		}
	}
	if len(limits) == 0 {
		return nil
	}
	dir, err := ctx.storageDir("workflows")
	if err != nil {
		return err
	}
	j, err := json.Marshal(limits)
	if err != nil {
		return err
	}
	bindings = append(bindings, workerd.NewStruct().Text("name", "WORKFLOWS").Set("json", workerd.Quote(string(j))).String())
	if ctx.Dev {
		// As wrangler dev: an instance's status carries its steps' outputs
		// (__LOCAL_DEV_STEP_OUTPUTS).
		bindings = append(bindings, workerd.NewStruct().Text("name", "LOCAL_DEV").Set("json", workerd.Quote("true")).String())
	}
	if ctx.TestClock {
		bindings = append(bindings, testClock)
		ctx.Services.Clock(workflowsService)
	}
	ctx.Services.Add(bundledWorker(workflowsService, "/workerd/workflows.js", "", workflowsService+"-storage", nil, bindings...))
	ctx.Services.Add(diskService(workflowsService+"-storage", dir))
	return nil
}

// workflowState counts a Workflow's instances: each is a Durable Object
// that stored its `meta` (a call that created none, such as a create with
// a bad id, may leave an empty one), until its retention ends.
func workflowState(b Binding, ctx Context) (string, error) {
	dir := filepath.Join(ctx.PersistTo, "workflows", workflowClass(b.ID))
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return "", fmt.Errorf("workflow %s: %w", b.ID, err)
	}
	n := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sqlite") || e.Name() == "metadata.sqlite" {
			continue
		}
		db, ok, err := openRead(filepath.Join(dir, e.Name()))
		if err != nil || !ok {
			continue // gone meanwhile: its retention ended
		}
		var k int
		// An object that never stored anything has no _cf_KV table.
		if db.QueryRow(`SELECT count(*) FROM _cf_KV WHERE key = 'meta'`).Scan(&k) == nil && k > 0 {
			n++
		}
		db.Close()
	}
	return plural(n, "instance"), nil
}
