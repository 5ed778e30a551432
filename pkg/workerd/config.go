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
	services = append(services, NewStruct().Text("name", c.Service).Set("worker", c.worker(dir)).String())
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
	if c.DurableStorage != "" && len(c.DurableObjects) > 0 {
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

func (c *Config) worker(dir string) string {
	w := NewStruct()
	mods := make([]string, len(c.Modules))
	for i, m := range c.Modules {
		rel, err := filepath.Rel(dir, m.Path)
		if err != nil {
			rel = m.Path
		}
		mods[i] = NewStruct().Text("name", m.Name).Set(m.Type, "embed "+quote(filepath.ToSlash(rel))).String()
	}
	w.Set("modules", List(mods...))
	w.Text("compatibilityDate", c.CompatibilityDate)
	if len(c.CompatibilityFlags) > 0 {
		w.Set("compatibilityFlags", Texts(c.CompatibilityFlags))
	}
	var bindings []string
	for _, b := range c.Bindings {
		bindings = append(bindings, NewStruct().Text("name", b.Name).Set(b.Member, b.Value).String())
	}
	if c.Bridge != "" {
		bindings = append(bindings, NewStruct().Text("name", BridgeBinding).Text("service", serviceBridge).String())
	}
	if len(bindings) > 0 {
		w.Set("bindings", List(bindings...))
	}
	if len(c.DurableObjects) > 0 {
		ns := make([]string, len(c.DurableObjects))
		for i, d := range c.DurableObjects {
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
	probe := NewStruct().Text("name", c.Service).Text("entrypoint", probeExport)
	bindings := []string{
		NewStruct().Text("name", "APP").Text("service", c.Service).String(),
		NewStruct().Text("name", "PROBE").Set("service", probe.String()).String(),
	}
	for _, d := range c.DurableObjects {
		ns := NewStruct().Text("className", d.Class).Text("serviceName", c.Service)
		bindings = append(bindings, NewStruct().Text("name", "DO_"+d.Class).Set("durableObjectNamespace", ns.String()).String())
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
