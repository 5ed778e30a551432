package workerd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Socket names valet passes to workerd by file descriptor (--socket-fd).
const (
	SocketHTTP    = "http"    // the app's worker, behind valet's edge
	SocketControl = "control" // valet's control worker (readiness, triggers, handoffs)
)

// Service names valet defines beside the app's worker.
const (
	serviceBridge   = "valet-bridge"  // containers and object ownership, answered by valet
	AssetsService   = "valet-assets"  // the ASSETS binding, answered by valet's asset server
	serviceCache    = "valet-cache"   // the Cache API (caches.default), answered by valet
	serviceControl  = "valet-control" // valet's own worker
	serviceStorage  = "valet-do-storage"
	serviceInternet = "internet"
)

// Module is one module of the worker. Path is the file on disk; Type is the
// workerd module kind: esModule, commonJsModule, text, data, wasm or json.
type Module struct {
	Name string
	Type string
	Path string
}

// Binding is one binding of the worker's env, in workerd's terms: Member is
// the member of Worker.Binding's union ("text", "json", "service",
// "durableObjectNamespace", "kvNamespace", ...) and Value its capnp value.
type Binding struct {
	Name   string
	Member string
	Value  string
}

// Service is an extra service a binding needs (a KV worker, a disk
// directory, ...), as a capnp struct literal without its name.
type Service struct {
	Name  string
	Value string // e.g. `worker = (...)` or `disk = (...)`
}

// ExtensionModule is a module workerd provides to every worker of the
// process (Config.extensions): a wrapped binding's module, or a built-in
// module's internal half such as "cloudflare-internal:email". Internal
// modules can be imported by extension modules only, not by the worker.
type ExtensionModule struct {
	Name     string
	Source   string
	Internal bool
}

// DurableObjectClass is one Durable Object namespace of the worker.
type DurableObjectClass struct {
	Class     string
	UniqueKey string
	SQL       bool
	// Key names the class to valet's control worker and its facades
	// (EntryOptions.Classes); "" is Class. Classes of the workers beside
	// the primary need one of their own: two workers may export a class
	// of the same name.
	Key string
}

// Worker is one more worker in the same process as the app's (valet dev
// -c a -c b): a service of its own, its own modules, bindings and Durable
// Objects, reached from the others through service bindings and never
// served on the http socket.
type Worker struct {
	Service            string
	CompatibilityDate  string
	CompatibilityFlags []string
	Modules            []Module // the first is the main module
	Bindings           []Binding
	DurableObjects     []DurableObjectClass
	Workflows          *WorkflowsEngine
}

// WorkflowsEngine is a worker's workflowsEngine: the service designators
// of the engine's actor class and, for each Workflow the worker
// implements, of the service behind its binding, as capnp text.
type WorkflowsEngine struct {
	ActorClass string
	Workflows  []WorkflowClass
}

// WorkflowClass is one Workflow a worker implements.
type WorkflowClass struct {
	Class          string
	Name           string
	BindingService string
}

// Config is everything one workerd process runs: the app's worker, and
// valet's services around it. It is pure data; Render turns it into a
// config file and Write puts that file and the modules in a directory.
type Config struct {
	// Service is the app worker's service name (its name in workerd's logs).
	Service            string
	CompatibilityDate  string
	CompatibilityFlags []string
	Modules            []Module // the first is the main module
	Bindings           []Binding
	// Env is added to workerd's environment and never written in its
	// config: the values of the EnvBindings (secrets).
	Env            map[string]string
	Services       []Service
	DurableObjects []DurableObjectClass
	// Extensions are the modules the bindings' implementations need.
	Extensions []ExtensionModule
	// Workflows runs the Workflows the worker implements (nil: none).
	Workflows *WorkflowsEngine
	// Others are the workers beside the app's in this process.
	Others []Worker
	// Clocks are services that move their clock on POST /clock?advance=ms
	// (workerd's bundled modules under TEST_CLOCK), for tests: valet's
	// control worker reaches them (Process.AdvanceClock).
	Clocks []string
	// DurableStorage is the directory of the objects' SQLite files; "" keeps
	// them in memory.
	DurableStorage string
	// Bridge and Assets are the unix sockets where valet answers ctx.container
	// and object ownership, and the ASSETS binding ("" when unused).
	Bridge string
	Assets string
	// Cache is the unix socket where valet answers the worker's Cache API
	// (see pkg/cacheapi); "" leaves caches.default unconfigured, where
	// workerd throws "No Cache was configured".
	Cache string
	// Control is the source of valet's control worker (see control.js).
	Control string
	// Cluster, when set, makes the process one instance of a workerd
	// cluster: its Durable Objects are shared with the other instances
	// through a bucket, each run by one instance at a time.
	Cluster *Cluster
}

// Render returns the config as Cap'n Proto text. Module paths are written
// relative to dir, where the file will live.
func (c *Config) Render(dir string) (string, error) {
	if c.CompatibilityDate == "" {
		return "", fmt.Errorf("workerd config: no compatibility date")
	}
	if len(c.Modules) == 0 {
		return "", fmt.Errorf("workerd config: no modules")
	}
	if c.Cluster != nil {
		if err := c.Cluster.validate(); err != nil {
			return "", err
		}
	}
	var services []string
	for _, w := range c.workers() {
		services = append(services, NewStruct().Text("name", w.Service).Set("worker", c.worker(w, dir)).String())
	}
	if c.Control != "" {
		services = append(services, NewStruct().Text("name", serviceControl).Set("worker", c.controlWorker()).String())
	}
	if c.Bridge != "" {
		services = append(services, external(serviceBridge, c.Bridge))
	}
	if c.Assets != "" {
		services = append(services, external(AssetsService, c.Assets))
	}
	if c.Cache != "" {
		services = append(services, external(serviceCache, c.Cache))
	}
	if c.DurableStorage != "" && c.hasObjects() {
		disk := NewStruct().Text("path", c.DurableStorage).Bool("writable", true)
		services = append(services, NewStruct().Text("name", serviceStorage).Set("disk", disk.String()).String())
	}
	// As wrangler dev, a worker may fetch local and private addresses;
	// workerd's implicit internet service allows public ones only.
	network := NewStruct().Set("allow", Texts([]string{"public", "private", "local"})).
		Set("tlsOptions", "(trustBrowserCas = true)")
	services = append(services, NewStruct().Text("name", serviceInternet).Set("network", network.String()).String())
	for _, s := range c.Services {
		services = append(services, "(name = "+quote(s.Name)+", "+s.Value+")")
	}

	sockets := []string{
		NewStruct().Text("name", SocketHTTP).Set("http", httpOptions).Text("service", c.Service).String(),
	}
	if c.Control != "" {
		sockets = append(sockets, NewStruct().Text("name", SocketControl).Set("http", "()").Text("service", serviceControl).String())
	}

	var b strings.Builder
	b.WriteString("# Written by valet for one version of the app; regenerated on every build.\n")
	b.WriteString("using Workerd = import \"/workerd/workerd.capnp\";\n\n")
	b.WriteString("const config :Workerd.Config = (\n")
	b.WriteString("  services = [\n    " + strings.Join(services, ",\n    ") + "\n  ],\n")
	b.WriteString("  sockets = [\n    " + strings.Join(sockets, ",\n    ") + "\n  ],\n")
	if len(c.Extensions) > 0 {
		mods := make([]string, len(c.Extensions))
		for i, m := range c.Extensions {
			mods[i] = NewStruct().Text("name", m.Name).Bool("internal", m.Internal).Text("esModule", m.Source).String()
		}
		b.WriteString("  extensions = [(modules = " + List(mods...) + ")],\n")
	}
	b.WriteString("  logging = (structuredLogging = true),\n")
	if c.Cluster != nil {
		b.WriteString("  cluster = " + c.Cluster.render() + ",\n")
	}
	b.WriteString(");\n")
	return b.String(), nil
}

// httpOptions of the app's socket: request.cf comes from valet's edge in a
// header, and the scheme the client used in X-Forwarded-Proto.
var httpOptions = NewStruct().Text("cfBlobHeader", CFHeader).Text("forwardedProtoHeader", "x-forwarded-proto").String()

func external(name, socket string) string {
	ext := NewStruct().Text("address", "unix:"+socket).Set("http", "()")
	return NewStruct().Text("name", name).Set("external", ext.String()).String()
}

// workers are the app's worker, then the others.
func (c *Config) workers() []Worker {
	primary := Worker{
		Service: c.Service, CompatibilityDate: c.CompatibilityDate, CompatibilityFlags: c.CompatibilityFlags,
		Modules: c.Modules, Bindings: c.Bindings, DurableObjects: c.DurableObjects, Workflows: c.Workflows,
	}
	return append([]Worker{primary}, c.Others...)
}

func (c *Config) hasObjects() bool {
	for _, w := range c.workers() {
		if len(w.DurableObjects) > 0 {
			return true
		}
	}
	return false
}

func (c *Config) worker(wk Worker, dir string) string {
	w := NewStruct()
	mods := make([]string, len(wk.Modules))
	for i, m := range wk.Modules {
		rel, err := filepath.Rel(dir, m.Path)
		if err != nil {
			rel = m.Path
		}
		mods[i] = NewStruct().Text("name", m.Name).Set(m.Type, "embed "+quote(filepath.ToSlash(rel))).String()
	}
	w.Set("modules", List(mods...))
	w.Text("compatibilityDate", wk.CompatibilityDate)
	if len(wk.CompatibilityFlags) > 0 {
		w.Set("compatibilityFlags", Texts(wk.CompatibilityFlags))
	}
	var bindings []string
	for _, b := range wk.Bindings {
		bindings = append(bindings, NewStruct().Text("name", b.Name).Set(b.Member, b.Value).String())
	}
	if c.Bridge != "" {
		bindings = append(bindings, NewStruct().Text("name", BridgeBinding).Text("service", serviceBridge).String())
	}
	if len(bindings) > 0 {
		w.Set("bindings", List(bindings...))
	}
	if len(wk.DurableObjects) > 0 {
		ns := make([]string, len(wk.DurableObjects))
		for i, d := range wk.DurableObjects {
			ns[i] = NewStruct().Text("className", d.Class).Text("uniqueKey", d.UniqueKey).Bool("enableSql", d.SQL).String()
		}
		w.Set("durableObjectNamespaces", List(ns...))
		if c.DurableStorage != "" {
			w.Set("durableObjectStorage", "(localDisk = "+quote(serviceStorage)+")")
		} else {
			w.Set("durableObjectStorage", "(inMemory = void)")
		}
	}
	w.Text("globalOutbound", serviceInternet)
	if c.Cache != "" {
		w.Text("cacheApiOutbound", serviceCache)
	}
	if e := wk.Workflows; e != nil && len(e.Workflows) > 0 {
		wfs := make([]string, len(e.Workflows))
		for i, f := range e.Workflows {
			wfs[i] = NewStruct().Text("className", f.Class).Text("name", f.Name).Set("bindingService", f.BindingService).String()
		}
		w.Set("workflowsEngine", NewStruct().Set("actorClass", e.ActorClass).Set("workflows", List(wfs...)).String())
	}
	return w.String()
}

// controlWorker is valet's own worker: it reaches the app's worker (to ping
// it, and to deliver scheduled events) and each Durable Object namespace (to
// hand objects over), and nothing else.
func (c *Config) controlWorker() string {
	w := NewStruct()
	w.Set("modules", List(NewStruct().Text("name", "control.js").Set("esModule", quote(c.Control)).String()))
	w.Text("compatibilityDate", "2025-06-01")
	// Fetcher.scheduled() on a service binding needs this flag.
	w.Set("compatibilityFlags", Texts([]string{"service_binding_extra_handlers", "nodejs_compat"}))
	bindings := []string{NewStruct().Text("name", "APP").Text("service", c.Service).String()}
	for i, wk := range c.workers() {
		// Every worker is probed: each must have loaded before the
		// process counts as started.
		probe := NewStruct().Text("name", wk.Service).Text("entrypoint", probeExport)
		bindings = append(bindings, NewStruct().Text("name", fmt.Sprintf("PROBE_%d", i)).Set("service", probe.String()).String())
		for _, d := range wk.DurableObjects {
			key := d.Key
			if key == "" {
				key = d.Class
			}
			ns := NewStruct().Text("className", d.Class).Text("serviceName", wk.Service)
			bindings = append(bindings, NewStruct().Text("name", "DO_"+key).Set("durableObjectNamespace", ns.String()).String())
		}
	}
	for i, svc := range c.Clocks {
		bindings = append(bindings, NewStruct().Text("name", fmt.Sprintf("CLOCK_%d", i)).Text("service", svc).String())
	}
	w.Set("bindings", List(bindings...))
	return w.String()
}

// Write renders the config into dir/config.capnp and returns its path.
func (c *Config) Write(dir string) (string, error) {
	text, err := c.Render(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("workerd config: %w", err)
	}
	path := filepath.Join(dir, "config.capnp")
	// Owner-only: the config holds the app's secrets and the cluster key.
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return "", fmt.Errorf("workerd config: %w", err)
	}
	return path, nil
}
