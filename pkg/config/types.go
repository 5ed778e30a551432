package config

// Config is the content of valet.jsonc, with wrangler's keys and meanings so
// that a wrangler.jsonc / wrangler.toml is read as-is. Keys valet adds are
// marked as such. The JSON Schema in schema/ is generated from these types.
type Config struct {
	Schema string `json:"$schema,omitempty" jsonschema:"description=Path or URL of this file's JSON Schema"`

	Name               string   `json:"name,omitempty" jsonschema:"description=Name of the app; names its containers and its deployment"`
	Main               string   `json:"main,omitempty" jsonschema:"description=Entry module of the worker (TypeScript or JavaScript; export default { fetch })"`
	CompatibilityDate  string   `json:"compatibility_date,omitempty" jsonschema:"pattern=^\\d{4}-\\d{2}-\\d{2}$,description=Date of the runtime behaviour the worker expects (YYYY-MM-DD)"`
	CompatibilityFlags []string `json:"compatibility_flags,omitempty"`
	BaseDir            string   `json:"base_dir,omitempty" jsonschema:"description=Directory module rules name additional modules from (default: the directory of main)"`
	NoBundle           *bool    `json:"no_bundle,omitempty" jsonschema:"description=Ship main as written\\, without bundling; its imports must be modules the rules find"`
	// Rules give the files they match a module type; such a file ships as
	// a module of its own instead of being bundled (wrangler's defaults
	// follow: .txt .html .sql Text, .bin Data, .wasm CompiledWasm).
	Rules                 []ModuleRule      `json:"rules,omitempty" jsonschema:"description=Module rules: files matching globs ship as modules of the given type (wrangler's defaults follow)"`
	FindAdditionalModules *bool             `json:"find_additional_modules,omitempty" jsonschema:"description=Ship every file under base_dir that a rule matches\\, for imports at run time (default: true with no_bundle)"`
	PreserveFileNames     *bool             `json:"preserve_file_names,omitempty" jsonschema:"description=Name imported modules by their path instead of a content hash"`
	Minify                *bool             `json:"minify,omitempty"`
	Define                map[string]string `json:"define,omitempty"`
	Alias                 map[string]string `json:"alias,omitempty"`
	TSConfig              string            `json:"tsconfig,omitempty"`
	KeepVars              bool              `json:"keep_vars,omitempty"`
	WorkersDev            *bool             `json:"workers_dev,omitempty"`
	UploadSourceMaps      bool              `json:"upload_source_maps,omitempty"`
	JSXFactory            string            `json:"jsx_factory,omitempty" jsonschema:"description=Function that replaces JSX syntax (default React.createElement)"`
	JSXFragment           string            `json:"jsx_fragment,omitempty" jsonschema:"description=Function that replaces JSX fragments (default React.Fragment)"`
	KeepNames             *bool             `json:"keep_names,omitempty" jsonschema:"description=Keep the names of functions and classes when minifying (default true)"`

	// Platform services (platform.go).
	Hyperdrive              []Hyperdrive             `json:"hyperdrive,omitempty" jsonschema:"description=Hyperdrive configs: under valet the worker connects to localConnectionString"`
	RateLimits              []RateLimit              `json:"ratelimits,omitempty" jsonschema:"description=Rate limiters\\, counted in memory"`
	VersionMetadata         *VersionMetadata         `json:"version_metadata,omitempty" jsonschema:"description=Binds the version's id\\, tag and timestamp"`
	SendEmail               []SendEmail              `json:"send_email,omitempty" jsonschema:"description=Email senders: valet writes each message to a local outbox"`
	SecretsStoreSecrets     []SecretsStoreSecret     `json:"secrets_store_secrets,omitempty" jsonschema:"description=Secrets Store secrets: values set with valet secrets-store secret create"`
	AnalyticsEngineDatasets []AnalyticsEngineDataset `json:"analytics_engine_datasets,omitempty" jsonschema:"description=Analytics Engine datasets: valet writes each data point to a local file"`
	AI                      *AI                      `json:"ai,omitempty" jsonschema:"description=Workers AI (no local implementation: calls fail)"`
	Browser                 *Browser                 `json:"browser,omitempty" jsonschema:"description=Browser Rendering (no local implementation: calls fail)"`

	Vars           map[string]any     `json:"vars,omitempty" jsonschema:"description=Plain-text variables given to the worker as env.NAME"`
	DurableObjects *DurableObjects    `json:"durable_objects,omitempty"`
	Migrations     []Migration        `json:"migrations,omitempty"`
	Exports        map[string]*Export `json:"exports,omitempty" jsonschema:"description=Declarative Durable Object exports (class name to export); an alternative to migrations"`
	Containers     []Container        `json:"containers,omitempty"`
	Assets         *Assets            `json:"assets,omitempty"`
	Build          *Build             `json:"build,omitempty"`
	Dev            *Dev               `json:"dev,omitempty"`
	Triggers       *Triggers          `json:"triggers,omitempty"`
	Observability  *Observability     `json:"observability,omitempty"`
	KVNamespaces   []KVNamespace      `json:"kv_namespaces,omitempty" jsonschema:"description=Workers KV namespaces bound to the worker (stored on disk by valet dev and on the host)"`
	D1Databases    []D1Database       `json:"d1_databases,omitempty" jsonschema:"description=D1 databases bound to the worker (SQLite on disk by valet dev and on the host)"`
	R2Buckets      []R2Bucket         `json:"r2_buckets,omitempty" jsonschema:"description=R2 buckets bound to the worker (on disk; on a host optionally in an S3-compatible store)"`
	Queues         *Queues            `json:"queues,omitempty" jsonschema:"description=Queues the worker sends to (producers) and receives batches from (consumers); messages are kept on disk by valet dev and on the host"`
	Workflows      []Workflow         `json:"workflows,omitempty" jsonschema:"description=Workflows bound to the worker (instances kept on disk by valet dev and on the host)"`
	Services       []ServiceBinding   `json:"services,omitempty" jsonschema:"description=Service bindings to other workers (fetch and RPC); valet dev -c a -c b runs them in one session"`

	// valet's own keys.
	Frontend *Frontend `json:"frontend,omitempty" jsonschema:"description=valet: build the frontend with valet's own bundler"`
	Deploy   *Deploy   `json:"deploy,omitempty" jsonschema:"description=valet: where and how valet deploy ships the app"`

	// Env holds named environments; their keys override the top level
	// following wrangler's inheritance rules (see Resolve).
	Env map[string]*Config `json:"env,omitempty"`
}

// ModuleRule is one of wrangler's module rules.
type ModuleRule struct {
	Type        string   `json:"type" jsonschema:"required,enum=ESModule,enum=CommonJS,enum=CompiledWasm,enum=Text,enum=Data,description=Module type of the files the globs match"`
	Globs       []string `json:"globs" jsonschema:"required,description=Globs of the files (** spans directories)"`
	Fallthrough *bool    `json:"fallthrough,omitempty" jsonschema:"description=Let later rules of the same type apply too (default false: this rule ends its type)"`
}

// DurableObjects lists the Durable Object namespaces bound to the worker.
type DurableObjects struct {
	Bindings []DurableObjectBinding `json:"bindings,omitempty"`
}

// DurableObjectBinding binds a namespace of ClassName to env.Name.
type DurableObjectBinding struct {
	Name        string `json:"name" jsonschema:"required,description=Name of the binding in env"`
	ClassName   string `json:"class_name" jsonschema:"required,description=Exported class that implements the Durable Object"`
	ScriptName  string `json:"script_name,omitempty"`
	Environment string `json:"environment,omitempty"`
}

// KVNamespace binds a Workers KV namespace to env.Binding. Locally the
// namespace is keyed by its id, else by the binding's name, as wrangler dev
// keys it.
type KVNamespace struct {
	Binding   string `json:"binding" jsonschema:"required,description=Name of the binding in env"`
	ID        string `json:"id,omitempty" jsonschema:"description=ID of the namespace; bindings with the same id share their keys"`
	PreviewID string `json:"preview_id,omitempty"`
}

// D1Database binds a D1 database to env.Binding.
type D1Database struct {
	Binding             string `json:"binding" jsonschema:"required,description=Name of the binding in env"`
	DatabaseName        string `json:"database_name,omitempty"`
	DatabaseID          string `json:"database_id,omitempty"`
	PreviewDatabaseID   string `json:"preview_database_id,omitempty"`
	MigrationsTable     string `json:"migrations_table,omitempty" jsonschema:"description=Table recording applied migrations (default d1_migrations)"`
	MigrationsDir       string `json:"migrations_dir,omitempty" jsonschema:"description=Directory of the migration files (default ./migrations)"`
	DatabaseInternalEnv string `json:"database_internal_env,omitempty"`
}

// R2Bucket binds an R2 bucket to env.Binding.
type R2Bucket struct {
	Binding           string `json:"binding" jsonschema:"required,description=Name of the binding in env"`
	BucketName        string `json:"bucket_name,omitempty"`
	PreviewBucketName string `json:"preview_bucket_name,omitempty"`
	Jurisdiction      string `json:"jurisdiction,omitempty"`

	// S3 is valet's own key: on a deployed host, keep the bucket's objects
	// in an S3-compatible store instead of the state volume.
	S3 *R2S3 `json:"s3,omitempty" jsonschema:"description=valet: on a deployed host keep the objects in this S3-compatible bucket (valet dev keeps them on disk)"`
}

// Queues binds queues: producers send to them, consumers (the worker's
// queue handler) receive their messages in batches.
type Queues struct {
	Producers []QueueProducer `json:"producers,omitempty"`
	Consumers []QueueConsumer `json:"consumers,omitempty"`
}

// QueueProducer binds the queue Queue to env.Binding.
type QueueProducer struct {
	Binding       string `json:"binding" jsonschema:"required,description=Name of the binding in env"`
	Queue         string `json:"queue" jsonschema:"required,description=Name of the queue"`
	DeliveryDelay *int   `json:"delivery_delay,omitempty" jsonschema:"minimum=0,maximum=43200,description=Seconds each message waits before delivery unless its send sets delaySeconds"`
}

// QueueConsumer has the worker's queue handler receive the messages of
// Queue. Unset numbers take Cloudflare's defaults (max_batch_size 10,
// max_batch_timeout 5 s, max_retries 3, retry_delay 0).
type QueueConsumer struct {
	Queue           string   `json:"queue" jsonschema:"required,description=Name of the queue to receive from"`
	Type            string   `json:"type,omitempty" jsonschema:"enum=worker,description=Consumer type; only worker consumers receive batches"`
	MaxBatchSize    *int     `json:"max_batch_size,omitempty" jsonschema:"minimum=1,maximum=100,description=Most messages in a batch (default 10)"`
	MaxBatchTimeout *float64 `json:"max_batch_timeout,omitempty" jsonschema:"minimum=0,maximum=60,description=Most seconds a batch waits to fill (default 5)"`
	MaxRetries      *int     `json:"max_retries,omitempty" jsonschema:"minimum=0,maximum=100,description=Retries of a message before it is dropped or sent to the dead letter queue (default 3)"`
	DeadLetterQueue string   `json:"dead_letter_queue,omitempty" jsonschema:"description=Queue receiving the messages out of retries"`
	MaxConcurrency  *int     `json:"max_concurrency,omitempty" jsonschema:"minimum=1,maximum=1024,description=Most batches delivered at once (default: no limit)"`
	RetryDelay      *int     `json:"retry_delay,omitempty" jsonschema:"minimum=0,maximum=43200,description=Seconds a retried message waits (default 0)"`
}

// Workflow binds the Workflow Name, implemented by the exported class
// ClassName (of the worker ScriptName when set), to env.Binding.
type Workflow struct {
	Binding    string          `json:"binding" jsonschema:"required,description=Name of the binding in env"`
	Name       string          `json:"name" jsonschema:"required,description=Name of the Workflow"`
	ClassName  string          `json:"class_name" jsonschema:"required,description=Exported class extending WorkflowEntrypoint"`
	ScriptName string          `json:"script_name,omitempty" jsonschema:"description=Worker that exports the class, when not this one"`
	Limits     *WorkflowLimits `json:"limits,omitempty"`
}

// WorkflowLimits bound a Workflow's instances.
type WorkflowLimits struct {
	Steps int `json:"steps,omitempty" jsonschema:"minimum=1,description=Most steps an instance runs (default 10000)"`
}

// ServiceBinding binds the worker named Service (its Entrypoint, a named
// export, or its default export) to env.Binding.
type ServiceBinding struct {
	Binding    string         `json:"binding" jsonschema:"required,description=Name of the binding in env"`
	Service    string         `json:"service" jsonschema:"required,description=Name of the worker bound"`
	Entrypoint string         `json:"entrypoint,omitempty" jsonschema:"description=Named export (a WorkerEntrypoint class) to bind instead of the default export"`
	Props      map[string]any `json:"props,omitempty" jsonschema:"description=Given to the entrypoint as ctx.props"`
}

// R2S3 names an S3-compatible bucket. Its credentials are secrets set with
// `valet secret put`, never values in the config file.
type R2S3 struct {
	Endpoint              string `json:"endpoint" jsonschema:"required,description=URL of the S3 API (https://host[:port])"`
	Bucket                string `json:"bucket" jsonschema:"required,description=Name of the bucket in the store"`
	Region                string `json:"region,omitempty" jsonschema:"description=Signing region (default us-east-1)"`
	Prefix                string `json:"prefix,omitempty" jsonschema:"description=Key prefix inside the bucket"`
	AccessKeyIDSecret     string `json:"access_key_id_secret" jsonschema:"required,description=Name of the secret (valet secret put) holding the access key ID"`
	SecretAccessKeySecret string `json:"secret_access_key_secret" jsonschema:"required,description=Name of the secret (valet secret put) holding the secret access key"`
}

// Migration declares Durable Object classes created, renamed or deleted.
type Migration struct {
	Tag                string         `json:"tag" jsonschema:"required"`
	NewClasses         []string       `json:"new_classes,omitempty"`
	NewSqliteClasses   []string       `json:"new_sqlite_classes,omitempty"`
	RenamedClasses     []RenamedClass `json:"renamed_classes,omitempty"`
	DeletedClasses     []string       `json:"deleted_classes,omitempty"`
	TransferredClasses []Transferred  `json:"transferred_classes,omitempty"`
}

// RenamedClass renames a Durable Object class.
type RenamedClass struct {
	From string `json:"from" jsonschema:"required"`
	To   string `json:"to" jsonschema:"required"`
}

// Transferred moves a class from another script.
type Transferred struct {
	From       string `json:"from" jsonschema:"required"`
	FromScript string `json:"from_script" jsonschema:"required"`
	To         string `json:"to" jsonschema:"required"`
}

// Container backs a Durable Object class with a container image.
type Container struct {
	Name               string            `json:"name,omitempty"`
	ClassName          string            `json:"class_name,omitempty" jsonschema:"description=Durable Object class whose instances each own one container; or name the container from exports.<Class>.container"`
	Image              string            `json:"image" jsonschema:"required,description=Path to a Dockerfile, or an image reference used as-is"`
	ImageBuildContext  string            `json:"image_build_context,omitempty"`
	ImageVars          map[string]string `json:"image_vars,omitempty" jsonschema:"description=Build arguments for the Dockerfile"`
	MaxInstances       int               `json:"max_instances,omitempty" jsonschema:"minimum=0"`
	InstanceType       string            `json:"instance_type,omitempty" jsonschema:"enum=dev,enum=basic,enum=standard,enum=lite,enum=standard-1,enum=standard-2,enum=standard-3,enum=standard-4"`
	SchedulingPolicy   string            `json:"scheduling_policy,omitempty" jsonschema:"enum=default,enum=regional,enum=moon"`
	RolloutStepPercent any               `json:"rollout_step_percentage,omitempty"`
	RolloutKind        string            `json:"rollout_kind,omitempty" jsonschema:"enum=full_auto,enum=full_manual,enum=none"`
	Constraints        map[string]any    `json:"constraints,omitempty"`
	Configuration      map[string]any    `json:"configuration,omitempty"`
}

// Assets serves a directory of static files before (or after) the worker.
type Assets struct {
	Directory        string         `json:"directory,omitempty"`
	Binding          string         `json:"binding,omitempty" jsonschema:"description=Name of the env binding (a Fetcher) for the assets"`
	NotFoundHandling string         `json:"not_found_handling,omitempty" jsonschema:"enum=none,enum=404-page,enum=single-page-application"`
	HTMLHandling     string         `json:"html_handling,omitempty" jsonschema:"enum=auto-trailing-slash,enum=force-trailing-slash,enum=drop-trailing-slash,enum=none"`
	RunWorkerFirst   RunWorkerFirst `json:"run_worker_first,omitempty"`
}

// RunWorkerFirst is wrangler's `true`/`false` or a list of route globs
// (with `!` negations) that go to the worker before assets.
type RunWorkerFirst struct {
	All    bool
	Routes []string
}

// Build is wrangler's custom build: a command run before bundling.
type Build struct {
	Command  string     `json:"command,omitempty"`
	Cwd      string     `json:"cwd,omitempty"`
	WatchDir StringList `json:"watch_dir,omitempty"`
}

// StringList accepts a string or a list of strings.
type StringList []string

// Dev holds `wrangler dev` settings; valet reads ip and port.
type Dev struct {
	IP               string `json:"ip,omitempty"`
	Port             int    `json:"port,omitempty" jsonschema:"minimum=1,maximum=65535"`
	LocalProtocol    string `json:"local_protocol,omitempty" jsonschema:"enum=http,enum=https"`
	UpstreamProtocol string `json:"upstream_protocol,omitempty" jsonschema:"enum=http,enum=https"`
	Host             string `json:"host,omitempty"`
	InspectorPort    int    `json:"inspector_port,omitempty" jsonschema:"minimum=1,maximum=65535"`
	ContainerEngine  string `json:"container_engine,omitempty"`
	EnableContainers *bool  `json:"enable_containers,omitempty"`
}

// Triggers holds cron triggers.
type Triggers struct {
	Crons []string `json:"crons,omitempty"`
}

// Observability configures logs.
type Observability struct {
	Enabled          *bool              `json:"enabled,omitempty"`
	HeadSamplingRate float64            `json:"head_sampling_rate,omitempty" jsonschema:"minimum=0,maximum=1"`
	Logs             *ObservabilityLogs `json:"logs,omitempty"`
}

// ObservabilityLogs configures the worker's logs.
type ObservabilityLogs struct {
	Enabled          *bool   `json:"enabled,omitempty"`
	HeadSamplingRate float64 `json:"head_sampling_rate,omitempty" jsonschema:"minimum=0,maximum=1"`
	InvocationLogs   *bool   `json:"invocation_logs,omitempty"`
}

// Frontend is valet's own Vite-style frontend build.
type Frontend struct {
	Entry     StringList `json:"entry,omitempty" jsonschema:"description=HTML entry files (default index.html)"`
	Root      string     `json:"root,omitempty" jsonschema:"description=Project root holding the entries and public/ (default: the config's directory)"`
	PublicDir string     `json:"public_dir,omitempty" jsonschema:"description=Files copied as-is (default public)"`
	OutDir    string     `json:"out_dir,omitempty" jsonschema:"description=Where the built frontend goes; assets.directory when unset"`
}

// Deploy says where valet deploy ships the app: one host (Host), the
// default, or several serving it together (Hosts, with Cluster).
type Deploy struct {
	Host        string       `json:"host,omitempty" jsonschema:"description=Docker Engine of the host: unix:///path\\, tcp://host:port or ssh://user@host[:port]"`
	Hosts       []DeployHost `json:"hosts,omitempty" jsonschema:"description=valet: several hosts serving the app together\\, each a Docker Engine; with more than one\\, deploy.cluster names the bucket they share"`
	Cluster     *Cluster     `json:"cluster,omitempty" jsonschema:"description=valet: the bucket the hosts share Durable Objects through (workerd's cluster mode); its credentials are secrets (valet secret put)\\, never config"`
	Port        int          `json:"port,omitempty" jsonschema:"minimum=1,maximum=65535"`
	Build       string       `json:"build,omitempty" jsonschema:"enum=local,enum=remote"`
	Keep        int          `json:"keep,omitempty" jsonschema:"minimum=1,description=Versions kept on the host (default 5)"`
	Healthcheck *Healthcheck `json:"healthcheck,omitempty"`
}

// DeployHost is one host of a cluster.
type DeployHost struct {
	Host string `json:"host" jsonschema:"required,description=Docker Engine of the host: unix:///path\\, tcp://host:port or ssh://user@host[:port]"`
	// PrivateAddress is where the host's cluster port listens: traffic
	// between instances is not encrypted, so it must be a private network.
	PrivateAddress string `json:"private_address,omitempty" jsonschema:"description=The host's address on the private network its peers reach it on (a VPC\\, WireGuard\\, Tailscale): an IP or host name\\, optionally :port. Its cluster port listens there; a public IP is refused"`
}

// Cluster is the shared state of several hosts: workerd's cluster mode
// keeps each Durable Object's owner and storage in a bucket.
type Cluster struct {
	Bucket   string `json:"bucket" jsonschema:"required,description=s3://bucket[/prefix] (S3 or an S3-compatible store such as R2 or MinIO) or gs://bucket[/prefix] (Google Cloud Storage)"`
	Endpoint string `json:"endpoint,omitempty" jsonschema:"description=The S3-compatible endpoint of an s3:// bucket\\, e.g. https://<account>.r2.cloudflarestorage.com (default: AWS S3)"`
	Region   string `json:"region,omitempty" jsonschema:"description=The region of an s3:// bucket (default us-east-1; R2 takes auto)"`
	Port     int    `json:"port,omitempty" jsonschema:"minimum=1,maximum=65535,description=The cluster port on each host's private address (default 7000)"`
}

// DefaultClusterPort is the cluster port of a host whose private address
// names none.
const DefaultClusterPort = 7000

// Secrets that hold the cluster's credentials (valet secret put NAME): the
// bucket's keys, and the key the instances authenticate each other with.
// Never config keys, so that no credential is committed with the project.
const (
	SecretClusterAccessKeyID     = "VALET_CLUSTER_ACCESS_KEY_ID"
	SecretClusterSecretAccessKey = "VALET_CLUSTER_SECRET_ACCESS_KEY"
	SecretClusterKey             = "VALET_CLUSTER_KEY"
)

// Healthcheck is the check a new version passes before it takes traffic.
type Healthcheck struct {
	Path     string `json:"path,omitempty"`
	Interval string `json:"interval,omitempty" jsonschema:"description=Go duration between checks (default 1s)"`
	Timeout  string `json:"timeout,omitempty" jsonschema:"description=Go duration of one check (default 5s)"`
	Deadline string `json:"deadline,omitempty" jsonschema:"description=Go duration until the deploy gives up (default 30s)"`
}
