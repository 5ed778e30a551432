// Package bindings is the one registry of binding kinds: for each kind of
// entry in the worker's env (a var, a Durable Object namespace, a KV
// namespace, ...) it says which config keys declare it, how workerd is
// configured for it, its TypeScript type in `valet types`, and how the dev
// dashboard names it. Adding a kind adds one file and one entry to Kinds;
// nothing else lists kinds.
package bindings

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// Binding is one entry of the worker's env.
type Binding struct {
	Name string
	Kind *Kind
	// What the kind needs; which fields are set depends on the kind.
	Value      any    // a var's value
	Class      string // a Durable Object class
	ScriptName string // the worker that defines the class, when not this one
	Entrypoint string // a service binding's named export ("" for the default)
	Container  string // the class's container image (a Dockerfile path or a reference)
	ID         string // the KV namespace, D1 database or R2 bucket its data is kept under
	S3         *config.R2S3
}

// Context is what a kind may need to configure workerd.
type Context struct {
	// Secrets are the secret values (never shown, never typed beyond string).
	Secrets map[string]string
	// Worker is the service name of the worker being bound: the secrets of
	// two workers of one process stay apart (SecretEnv).
	Worker string
	// AssetsService names the service answering the assets binding.
	AssetsService string
	// PersistTo is the directory of the app's local data (Durable Objects,
	// KV, D1, ...); "" keeps it in memory.
	PersistTo string
	// App names the app (storage keys are derived from it).
	App string
	// Services collects the services the bindings need beside the worker
	// (a KV worker, a disk directory, ...), added once each by name.
	Services *Services
	// VersionID and VersionTime are what version_metadata binds; zero: a
	// new random id and the time the config is written.
	VersionID   string
	VersionTime time.Time
	// SocketDir is where the unix sockets of Go handlers go (see
	// Services.Handler).
	SocketDir string
	// Dev is true under valet dev: data stays on local disk whatever the
	// config says about a deployed host.
	Dev bool
	// Workers are the workers of the workerd process, the app's first (valet
	// dev -c a -c b runs several): service bindings resolve among them, and
	// the kinds that serve every worker (Kind.Process) serve these.
	Workers []Worker
	// NoCrons leaves cron triggers to /cdn-cgi/handler/scheduled (valet dev
	// --no-crons): nothing runs them on their schedule.
	NoCrons bool
	// TestClock runs workerd's bundled cron, queues and workflows modules
	// with TEST_CLOCK, for tests (see Services.Clocks).
	TestClock bool
}

// Worker is one worker of a workerd process as the kinds see it.
type Worker struct {
	Config *config.Config
	// Service is its service in workerd's config.
	Service string
}

// storageDir is where a kind keeps its data, PersistTo/<kind>/<sub...>,
// created if missing (workerd refuses a disk service whose directory is
// not there).
func (ctx Context) storageDir(kind string, sub ...string) (string, error) {
	if ctx.PersistTo == "" {
		return "", fmt.Errorf("%s needs a directory for its data (PersistTo)", kind)
	}
	dir := filepath.Join(append([]string{ctx.PersistTo, kind}, sub...)...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("%s storage: %w", kind, err)
	}
	return dir, nil
}

// Handler is a Go HTTP handler answering workerd on a unix socket of its own.
type Handler struct {
	Name    string
	Socket  string
	Handler http.Handler
}

// Services is the set of extra workerd services of one config.
type Services struct {
	byName   map[string]bool
	list     []workerd.Service
	handlers []Handler
	// extensions are the modules of the bindings' implementations (see
	// AddExtension).
	extensions []workerd.ExtensionModule
	engines    map[string]*workerd.WorkflowsEngine
	clocks     []string
}

// Engine returns the workflowsEngine of the worker whose service is
// service, made on the first call (the Workflows it implements).
func (s *Services) Engine(service string) *workerd.WorkflowsEngine {
	if s.engines == nil {
		s.engines = map[string]*workerd.WorkflowsEngine{}
	}
	e := s.engines[service]
	if e == nil {
		e = &workerd.WorkflowsEngine{}
		s.engines[service] = e
	}
	return e
}

// Engines returns the worker's workflowsEngine, nil when it implements no
// Workflow.
func (s *Services) Engines(service string) *workerd.WorkflowsEngine {
	if s == nil {
		return nil
	}
	return s.engines[service]
}

// Clock records a service that takes POST /clock (TEST_CLOCK).
func (s *Services) Clock(service string) {
	if !slices.Contains(s.clocks, service) {
		s.clocks = append(s.clocks, service)
	}
}

// Clocks returns the services Clock recorded.
func (s *Services) Clocks() []string {
	if s == nil {
		return nil
	}
	return s.clocks
}

// Handler returns the Go handler named name, made by newHandler on the
// first call, and the socket it will answer on (under dir). The caller of
// bindings.Workerd serves each handler of HandlerList.
func (s *Services) Handler(name, dir string, newHandler func() http.Handler) Handler {
	for _, h := range s.handlers {
		if h.Name == name {
			return h
		}
	}
	h := Handler{Name: name, Socket: filepath.Join(dir, name+".sock"), Handler: newHandler()}
	s.handlers = append(s.handlers, h)
	return h
}

// Handlers returns the Go handlers in the order they were added.
func (s *Services) Handlers() []Handler {
	if s == nil {
		return nil
	}
	return s.handlers
}

// Add adds s unless a service of its name is there already.
func (s *Services) Add(svc workerd.Service) {
	if s.byName == nil {
		s.byName = map[string]bool{}
	}
	if s.byName[svc.Name] {
		return
	}
	s.byName[svc.Name] = true
	s.list = append(s.list, svc)
}

// List returns the services in the order they were added.
func (s *Services) List() []workerd.Service {
	if s == nil {
		return nil
	}
	return s.list
}

// TypeContext is what a kind may need to write its TypeScript type.
type TypeContext struct {
	// MainImport is the worker's entry as a module specifier relative to
	// the declaration file ("" without main).
	MainImport string
	// WorkerName is the config's name.
	WorkerName string
	// Workers are the main modules of the other workers typed with this
	// one (valet types -c a -c b), as specifiers like MainImport, by
	// worker name: a service binding to one is typed by its exports.
	Workers map[string]string
}

// Kind is one kind of binding.
type Kind struct {
	// Name is the kind as the dashboard shows it ("var", "durable object").
	Name string
	// Value marks the kinds whose entries are values (vars and secrets),
	// not objects: nodejs_compat's process.env carries them as strings.
	Value bool
	// Order places the kind among the dashboard's rows (lowest first).
	Order int
	// List returns the kind's bindings declared by c (secrets: the names of
	// the secrets in .dev.vars or on the host); the registry sets Kind.
	List func(c *config.Config, secrets []string) []Binding
	// Workerd returns the binding in workerd's config. A kind without it
	// puts nothing in env (a queue consumer, a cron trigger): its entries
	// have no type, shadow nothing, and are listed on the dashboard only.
	Workerd func(b Binding, ctx Context) (workerd.Binding, error)
	// Type returns the binding's TypeScript type.
	Type func(b Binding, ctx TypeContext) (string, error)
	// State, when set, describes what the binding holds for the dashboard
	// ("3 keys"), read from ctx.PersistTo.
	State func(b Binding, ctx Context) (string, error)
	// Data, when set, names what a deployed host keeps of the binding in
	// the app's state volume, for valet destroy ("queue jobs (its
	// messages)"); without it, a kind with State is named by its ID.
	Data func(b Binding) string
	// Process, when set, adds what the kind needs once per workerd process
	// for all of ctx.Workers (a queue broker delivering to any worker's
	// consumer), after every worker's bindings are made (see Process).
	Process func(ctx Context) error
}

// InEnv reports whether the kind's entries are entries of env.
func (k *Kind) InEnv() bool { return k.Workerd != nil }

// Kinds are every kind valet supports, in order of precedence: when two
// bindings share a name, the later kind wins, as in wrangler (a secret
// shadows a var of the same name).
var Kinds = []*Kind{vars, durableObjects, kvNamespaces, d1Databases, r2Buckets, queueProducers, queueConsumers,
	workflows, services, cronTriggers, assets,
	hyperdrive, rateLimits, versionMetadata, sendEmail, secretsStoreSecrets, analyticsEngine, ai, browser,
	secrets}

// List returns every binding of c, kind by kind, in precedence order.
func List(c *config.Config, secretNames []string) []Binding {
	var out []Binding
	if c == nil {
		return nil
	}
	for _, k := range Kinds {
		for _, b := range k.List(c, secretNames) {
			b.Kind = k
			out = append(out, b)
		}
	}
	return out
}

// Effective is List with each name kept once, the binding that wins.
// Entries outside env (Kind.InEnv) are kept once per kind.
func Effective(c *config.Config, secretNames []string) []Binding {
	byName := map[string]int{}
	var out []Binding
	for _, b := range List(c, secretNames) {
		key := RowKey(b)
		if i, ok := byName[key]; ok {
			out[i] = b
			continue
		}
		byName[key] = len(out)
		out = append(out, b)
	}
	return out
}

// Values are the names of c's entries of env that are values (vars and
// secrets; see Kind.Value).
func Values(c *config.Config, secretNames []string) map[string]bool {
	out := map[string]bool{}
	for _, b := range Effective(c, secretNames) {
		if b.Kind.Value {
			out[b.Name] = true
		}
	}
	return out
}

// RowKey names b among the dashboard's rows and in States: its name for an
// entry of env, its kind and name otherwise ("cron */5 * * * *").
func RowKey(b Binding) string {
	if b.Kind.InEnv() {
		return b.Name
	}
	return b.Kind.Name + " " + b.Name
}

// Workerd returns the workerd bindings of c, sorted by name.
func Workerd(c *config.Config, ctx Context) ([]workerd.Binding, error) {
	names := make([]string, 0, len(ctx.Secrets))
	for k := range ctx.Secrets {
		names = append(names, k)
	}
	var out []workerd.Binding
	// As in wrangler dev, "cloudflare:email" imports whether or not the
	// worker sends email.
	ctx.Services.AddExtension(emailMessageModule)
	for _, b := range Effective(c, names) {
		if !b.Kind.InEnv() {
			continue
		}
		wb, err := b.Kind.Workerd(b, ctx)
		if err != nil {
			return nil, fmt.Errorf("binding %s: %w", b.Name, err)
		}
		out = append(out, wb)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Types returns the TypeScript type of each binding of c, by name.
func Types(c *config.Config, secretNames []string, ctx TypeContext) (map[string]string, error) {
	out := map[string]string{}
	for _, b := range Effective(c, secretNames) {
		if !b.Kind.InEnv() {
			continue
		}
		t, err := b.Kind.Type(b, ctx)
		if err != nil {
			return nil, err
		}
		out[b.Name] = t
	}
	return out, nil
}

// Process adds what the kinds need once per workerd process, for all of
// ctx.Workers; call it after Workerd for each of them, with the same
// ctx.Services.
func Process(ctx Context) error {
	for _, k := range Kinds {
		if k.Process == nil {
			continue
		}
		if err := k.Process(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Rows returns the bindings as the dashboard lists them: by kind order,
// then by name within a kind as declared.
func Rows(c *config.Config, secretNames []string) []Binding {
	out := Effective(c, secretNames)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Kind.Order < out[j].Kind.Order })
	return out
}
