package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "config", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseBad pins the exact diagnostics, one fixture per kind of mistake:
// position, message and hint are what the user sees.
func TestParseBad(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"bad.toml", []string{
			"bad.toml:5:1: durable_objects.bindings[0]: missing required key \"class_name\"\n    hint: the exported class of the worker that implements the Durable Object, e.g. \"class_name\": \"Container\"",
			"bad.toml:7:1: durable_objects.bindings[0]: unknown key \"clas_name\"\n    hint: did you mean \"class_name\"?",
			"bad.toml:10:8: dev.port: expected integer, got string \"8787\"\n    hint: remove the quotes: 8787",
		}},
		{"cluster.jsonc", []string{
			"cluster.jsonc:5:66: warning: deploy.hosts[0].private_address: cluster ports 45000-45001 overlap Linux's default ephemeral range (32768-60999): an outgoing connection on a host may hold one when a deploy needs it\n    hint: use a port below 32767, such as the default 7000, or reserve both on every host (sysctl net.ipv4.ip_local_reserved_ports=45000-45001)",
			"cluster.jsonc:6:66: deploy.hosts[1].private_address: 203.0.113.7 is a public IP address\n    hint: the cluster port carries unencrypted traffic between the hosts: give the host's address on a private network (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10 as Tailscale uses, fc00::/7) such as a VPC, WireGuard or Tailscale",
			"cluster.jsonc:7:17: deploy.hosts[2].host: \"ssh://deploy@a.example.com\" is already deploy.hosts[0]\n    hint: list each host once",
			"cluster.jsonc:7:66: deploy.hosts[2].private_address: \"10.0.0.3:70000\" has no valid port\n    hint: a port is between 1 and 65535, e.g. \"10.0.0.2:7000\"",
			"cluster.jsonc:8:7: deploy.hosts[3]: \"deploy@c.example.com\" has no private_address: the hosts' instances of the app reach each other there\n    hint: add \"private_address\": the host's IP on the private network the hosts share (a VPC, WireGuard, Tailscale), e.g. \"10.0.0.2\"",
			"cluster.jsonc:8:17: deploy.hosts[3].host: \"deploy@c.example.com\" is not a Docker Engine address\n    hint: use unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host[:port]",
			"cluster.jsonc:11:17: deploy.cluster.bucket: \"valet-state\" is not a bucket URL\n    hint: use s3://bucket[/prefix] for S3 or an S3-compatible store (R2, MinIO), or gs://bucket[/prefix] for Google Cloud Storage, e.g. \"s3://valet-state/my-app\"",
			"cluster.jsonc:12:19: deploy.cluster.endpoint: \"r2.example.com\" is not an http(s) URL\n    hint: use the store's URL, e.g. \"https://<account>.r2.cloudflarestorage.com\"",
			"cluster.jsonc:13:7: deploy.cluster.secret_access_key: credentials are never read from the config file\n    hint: remove it, and keep it on the hosts with `valet secret put VALET_CLUSTER_SECRET_ACCESS_KEY`: a config file is committed with the project",
			"cluster.jsonc:17:67: env.single.deploy.hosts: deploy.host and deploy.hosts are both set\n    hint: keep deploy.host for one host, or move it into deploy.hosts for several",
			"cluster.jsonc:18:83: env.gcs.deploy.cluster.region: a gs:// bucket takes no region\n    hint: remove it: Google Cloud Storage is reached at its own endpoint, with no region",
			"cluster.jsonc:18:99: env.gcs.deploy.cluster.port: 0 is out of range\n    hint: a port is between 1 and 65535",
			"cluster.jsonc:19:87: warning: env.ephemeral.deploy.cluster.port: cluster ports 32767-32768 overlap Linux's default ephemeral range (32768-60999): an outgoing connection on a host may hold one when a deploy needs it\n    hint: use a port below 32767, such as the default 7000, or reserve both on every host (sysctl net.ipv4.ip_local_reserved_ports=32767-32768)",
		}},
		{"hosts.jsonc", []string{
			"hosts.jsonc:4:5: deploy.hosts: 2 hosts share the app's Durable Objects through a bucket, and deploy.cluster names none\n    hint: add \"cluster\": {\"bucket\": \"s3://<bucket>/<app>\", \"endpoint\": \"https://...\"} to deploy, and its credentials with valet secret put VALET_CLUSTER_ACCESS_KEY_ID and VALET_CLUSTER_SECRET_ACCESS_KEY",
			"hosts.jsonc:8:38: env.empty.deploy.hosts[0]: missing required key \"host\"\n    hint: the host's Docker Engine, e.g. \"host\": \"ssh://deploy@a.example.com\"",
			"hosts.jsonc:8:85: env.empty.deploy.cluster: missing required key \"bucket\"\n    hint: the bucket the hosts share, e.g. \"bucket\": \"s3://valet-state/my-app\"",
		}},
		{"date.jsonc", []string{
			"date.jsonc:2:25: compatibility_date: \"2025-02-30\" is not a valid date\n    hint: use a real calendar date, e.g. \"2025-06-01\"",
			"date.jsonc:3:43: env.old.compatibility_date: \"June 1st\" is not a date in the form YYYY-MM-DD\n    hint: use YYYY-MM-DD, e.g. \"2025-06-01\"",
		}},
		{"deploy.jsonc", []string{
			"deploy.jsonc:3:13: deploy.host: \"deploy@example.com\" is not a Docker Engine address\n    hint: use unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host[:port]",
			"deploy.jsonc:4:30: deploy.healthcheck.path: \"up\" does not start with /\n    hint: use an absolute path, e.g. \"/up\"",
			"deploy.jsonc:4:48: deploy.healthcheck.interval: \"5\" is not a duration\n    hint: use a Go duration such as \"500ms\", \"5s\" or \"1m\"",
			"deploy.jsonc:4:64: deploy.healthcheck.timeout: \"-1s\" is not positive\n    hint: use a positive duration such as \"1s\"",
			"deploy.jsonc:6:42: env.prod.deploy.host: scheme \"http\" is not supported\n    hint: use unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host[:port]",
		}},
		{"duplicate-binding.jsonc", []string{
			"duplicate-binding.jsonc:3:47: assets.binding: binding \"ASSETS\" is already defined by vars.ASSETS (line 2)\n    hint: bindings share env; rename one of them",
			"duplicate-binding.jsonc:4:47: durable_objects.bindings[0].name: binding \"ROOMS\" is already defined by vars.ROOMS (line 2)\n    hint: bindings share env; rename one of them",
			"duplicate-binding.jsonc:7:3: duplicate key \"name\"\n    hint: remove one of them; JSON keeps only the last",
		}},
		{"enum.jsonc", []string{
			"enum.jsonc:4:27: assets.not_found_handling: \"single-page-app\" is not an allowed value\n    hint: did you mean \"single-page-application\"? allowed values: \"none\", \"404-page\", \"single-page-application\"",
			"enum.jsonc:5:22: assets.html_handling: \"trailing-slash\" is not an allowed value\n    hint: did you mean \"auto-trailing-slash\"? allowed values: \"auto-trailing-slash\", \"force-trailing-slash\", \"drop-trailing-slash\", \"none\"",
			"enum.jsonc:7:24: deploy.build: \"remotely\" is not an allowed value\n    hint: did you mean \"remote\"? allowed values: \"local\", \"remote\"",
			"enum.jsonc:8:83: containers[0].instance_type: \"huge\" is not an allowed value\n    hint: allowed values: \"dev\", \"basic\", \"standard\", \"lite\", \"standard-1\", \"standard-2\", \"standard-3\", \"standard-4\"",
		}},
		{"identifier.jsonc", []string{
			"identifier.jsonc:2:13: warning: vars.my-var: \"my-var\" is not a valid JavaScript identifier\n    hint: use letters, digits, _ and $, not starting with a digit, e.g. \"my_var\"; otherwise the worker must read it as env[\"my-var\"]",
			"identifier.jsonc:3:47: assets.binding: \"static files\" is not a valid JavaScript identifier\n    hint: use letters, digits, _ and $, not starting with a digit, e.g. \"static_files\"",
			"identifier.jsonc:4:47: durable_objects.bindings[0].name: \"1ROOM\" is not a valid JavaScript identifier\n    hint: use letters, digits, _ and $, not starting with a digit, e.g. \"_1ROOM\"",
		}},
		{"missing-required.jsonc", []string{
			"missing-required.jsonc:2:18: containers[0]: missing required key \"class_name\"\n    hint: the exported class of the worker that implements the Durable Object, e.g. \"class_name\": \"Container\"",
			"missing-required.jsonc:2:18: containers[0]: missing required key \"image\"\n    hint: a path to a Dockerfile or an image reference, e.g. \"image\": \"./Dockerfile\"",
			"missing-required.jsonc:3:37: durable_objects.bindings[0]: missing required key \"name\"\n    hint: the name of the binding in env, e.g. \"name\": \"CONTAINER\"",
			"missing-required.jsonc:3:72: durable_objects.bindings[1]: empty required key \"name\"\n    hint: the name of the binding in env, e.g. \"name\": \"CONTAINER\"",
			"missing-required.jsonc:4:18: migrations[0]: missing required key \"tag\"\n    hint: a unique name for this migration, e.g. \"tag\": \"v1\"",
		}},
		{"nested-env.jsonc", []string{
			"nested-env.jsonc:4:18: warning: env.staging: \"dev\" is only read at the top level; it is ignored here\n    hint: move it to the top level",
			"nested-env.jsonc:4:43: env.staging: environments cannot be nested\n    hint: define every environment at the top level, under \"env\"",
		}},
		{"async.jsonc", []string{
			"async.jsonc:2:42: queues.producers[0].binding: \"MY-JOBS\" is not a valid JavaScript identifier\n    hint: use letters, digits, _ and $, not starting with a digit, e.g. \"MY_JOBS\"",
			"async.jsonc:3:51: queues.consumers[1].queue: queue \"jobs\" already has a consumer (queues.consumers[0])\n    hint: a queue has one consumer: remove one of them",
			"async.jsonc:3:126: queues.consumers[2].dead_letter_queue: queue \"dlq\" cannot be its own dead letter queue\n    hint: name another queue, e.g. \"dlq-dlq\"",
			"async.jsonc:4:95: workflows[1].name: Workflow \"w\" is already declared (workflows[0])\n    hint: give each Workflow its own name",
			"async.jsonc:5:92: services[1].binding: \"bad name\" is not a valid JavaScript identifier\n    hint: use letters, digits, _ and $, not starting with a digit, e.g. \"bad_name\"",
			"async.jsonc:6:42: triggers.crons[1]: cron trigger \"0 0 * *\" has 4 fields, not 5\n    hint: use minute hour day-of-month month day-of-week, in UTC, e.g. \"*/5 * * * *\"",
		}},
		{"not-object.json", []string{
			"not-object.json:1:1: expected object, got array\n    hint: a config file is one JSON object: { \"name\": \"my-app\", ... }",
		}},
		{"port.jsonc", []string{
			"port.jsonc:2:20: dev.port: 70000 is out of range\n    hint: a port is between 1 and 65535",
			"port.jsonc:2:45: dev.inspector_port: 0 is out of range\n    hint: a port is between 1 and 65535",
			"port.jsonc:3:23: deploy.port: -1 is out of range\n    hint: a port is between 1 and 65535",
			"port.jsonc:3:35: deploy.keep: 0 is out of range\n    hint: use a value of at least 1",
		}},
		{"refs.jsonc", []string{
			"refs.jsonc:2:34: containers[0].class_name: class \"Backend\" has no Durable Object binding\n    hint: add {\"name\": \"BACKEND\", \"class_name\": \"Backend\"} to durable_objects.bindings",
			"refs.jsonc:4:38: durable_objects.bindings[0].class_name: class \"ChatRoom\" is not created by any migration\n    hint: add {\"tag\": \"v3\", \"new_sqlite_classes\": [\"ChatRoom\"]} to migrations",
			"refs.jsonc:5:36: durable_objects.bindings[1].class_name: class \"Legacy\" is deleted by migration \"v2\"\n    hint: remove the binding, or the class from deleted_classes",
		}},
		{"rules.jsonc", []string{
			"rules.jsonc:3:23: rules[1].type: \"text\" is not an allowed value\n    hint: did you mean \"Text\"? allowed values: \"ESModule\", \"CommonJS\", \"CompiledWasm\", \"Text\", \"Data\"",
			"rules.jsonc:3:56: rules[2]: missing required key \"globs\"\n    hint: the files the rule gives a module type, e.g. \"globs\": [\"**/*.md\"]",
			"rules.jsonc:4:40: rules[3].globs: expected array, got string \"**/*.bin\"\n    hint: use a list, e.g. [\"**/*.bin\"]",
			"rules.jsonc:4:40: rules[3]: empty required key \"globs\"\n    hint: the files the rule gives a module type, e.g. \"globs\": [\"**/*.md\"]",
			"rules.jsonc:4:67: rules[3].fallthrough: expected boolean, got string \"yes\"",
			"rules.jsonc:5:30: find_additional_modules: expected boolean, got string \"true\"\n    hint: remove the quotes: true",
		}},
		{"syntax.jsonc", []string{
			"syntax.jsonc:4:3: invalid JSON: invalid character '\"' after object value (expecting ',' or '}')\n    hint: check for a missing comma, quote or bracket just before this point",
		}},
		{"syntax.toml", []string{
			"syntax.toml:3:18: invalid TOML: strings cannot contain newlines",
		}},
		{"truncated.jsonc", []string{
			"truncated.jsonc:4:1: invalid JSON: parsing object after value: unexpected EOF\n    hint: the file ends too early: close every { and [ and finish the last value",
		}},
		{"unknown-key.jsonc", []string{
			"unknown-key.jsonc:3:3: unknown key \"compatability_date\"\n    hint: did you mean \"compatibility_date\"?",
			"unknown-key.jsonc:4:38: assets: unknown key \"not_found\"\n    hint: did you mean \"not_found_handling\"?",
			"unknown-key.jsonc:5:18: containers[0]: missing required key \"class_name\"\n    hint: the exported class of the worker that implements the Durable Object, e.g. \"class_name\": \"Container\"",
			"unknown-key.jsonc:5:45: containers[0]: unknown key \"className\"\n    hint: did you mean \"class_name\"?",
			"unknown-key.jsonc:6:3: unknown key \"frobnicate\"\n    hint: see .valet/valet.schema.json (written by valet types) for the valid keys here",
		}},
		{"unsupported.jsonc", []string{
			"unsupported.jsonc:3:3: warning: wrangler key \"vectorize\" is not supported by valet yet; it is ignored",
			"unsupported.jsonc:4:3: unknown key \"kv_namespace\"\n    hint: did you mean \"kv_namespaces\"?",
			"unsupported.jsonc:5:83: warning: containers[0].instance_type: custom instance types (vcpu, memory_mib, disk_mb) are not supported by valet yet; the container runs without limits",
			"unsupported.jsonc:5:98: warning: wrangler key \"containers[0].instances\" is not supported by valet yet; it is ignored",
			"unsupported.jsonc:6:68: warning: durable_objects.bindings[0].class_name: class \"Box\" is not created by any migration (there are none); valet deploy needs one\n    hint: add {\"tag\": \"v1\", \"new_sqlite_classes\": [\"Box\"]} to migrations",
		}},
		{"wrong-type.jsonc", []string{
			"wrong-type.jsonc:2:11: name: expected string, got number 42\n    hint: quote it: \"42\"",
			"wrong-type.jsonc:3:26: compatibility_flags: expected array, got string \"nodejs_compat\"\n    hint: use a list, e.g. [\"nodejs_compat\"]",
			"wrong-type.jsonc:4:13: minify: expected boolean, got string \"true\"\n    hint: remove the quotes: true",
			"wrong-type.jsonc:5:20: dev.port: expected integer, got string \"8787\"\n    hint: remove the quotes: 8787",
			"wrong-type.jsonc:6:83: containers[0].max_instances: expected integer, got number 1.5\n    hint: use a whole number",
			"wrong-type.jsonc:9:35: assets.run_worker_first: expected boolean or list of strings, got string \"yes\"\n    hint: use true, false or a list of route patterns such as [\"/api/*\", \"!/api/docs\"]",
			"wrong-type.jsonc:10:27: build.watch_dir: expected string or list of strings, got number 3\n    hint: use a string or a list of strings, e.g. [\"src\", \"public\"]",
			"wrong-type.jsonc:11:24: define.DEBUG: expected string, got boolean false\n    hint: quote it: \"false\"",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			cfg, diags, err := Parse(tt.file, readFixture(t, filepath.Join("bad", tt.file)))
			if cfg == nil {
				t.Fatal("Parse returned a nil config")
			}
			var got []string
			for _, d := range diags {
				got = append(got, d.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			wantErr := false
			for _, d := range diags {
				wantErr = wantErr || d.Severity == SeverityError
			}
			var ce *Error
			if wantErr != errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *Error: %v", err, wantErr)
			}
			if ce != nil && ce.ExitCode() != 2 {
				t.Errorf("ExitCode() = %d, want 2", ce.ExitCode())
			}
		})
	}
}

func TestParseGood(t *testing.T) {
	for _, name := range []string{"design.jsonc", "wrangler-full.jsonc", "seed/wrangler.jsonc", "toml/wrangler.toml", "cluster.jsonc"} {
		t.Run(name, func(t *testing.T) {
			_, diags, err := Parse(filepath.Base(name), readFixture(t, name))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range diags {
				if d.Severity != SeverityWarning {
					t.Errorf("unexpected %s", d)
				}
			}
		})
	}
}

func TestParseDesignExample(t *testing.T) {
	cfg, diags, err := Parse("valet.jsonc", readFixture(t, "design.jsonc"))
	if err != nil || len(diags) != 0 {
		t.Fatalf("err = %v, diags = %v", err, diags)
	}
	if cfg.Name != "valet-app" || cfg.Main != "worker/index.ts" || cfg.CompatibilityDate != "2025-06-01" {
		t.Errorf("top-level keys: %+v", cfg)
	}
	if got := cfg.Frontend.Entry; len(got) != 1 || got[0] != "index.html" {
		t.Errorf("frontend.entry = %v", got)
	}
	a := cfg.Assets
	if a.Directory != "./dist" || a.NotFoundHandling != "single-page-application" || a.RunWorkerFirst.All || len(a.RunWorkerFirst.Routes) != 1 || a.RunWorkerFirst.Routes[0] != "/api/*" {
		t.Errorf("assets = %+v", a)
	}
	if c := cfg.Containers; len(c) != 1 || c[0].Name != "convex-backend" || c[0].Image != "./Dockerfile" || c[0].ClassName != "Container" || c[0].MaxInstances != 1 {
		t.Errorf("containers = %+v", c)
	}
	if b := cfg.DurableObjects.Bindings; len(b) != 1 || b[0].Name != "CONTAINER" || b[0].ClassName != "Container" {
		t.Errorf("durable_objects = %+v", b)
	}
	if m := cfg.Migrations; len(m) != 1 || m[0].Tag != "v1" || m[0].NewSqliteClasses[0] != "Container" {
		t.Errorf("migrations = %+v", m)
	}
	if cfg.Vars["API_VERSION"] != "v1" || cfg.Env["staging"].Vars["API_VERSION"] != "v2" {
		t.Errorf("vars = %v, env = %v", cfg.Vars, cfg.Env)
	}
	if cfg.Deploy.Host != "ssh://deploy@example.com" || cfg.Deploy.Port != 80 {
		t.Errorf("deploy = %+v", cfg.Deploy)
	}
}

// Module rules and no_bundle are keys valet applies, read as wrangler
// reads them, inherited by environments.
func TestParseModuleRules(t *testing.T) {
	src := `{
  "main": "src/index.js",
  "base_dir": "src",
  "no_bundle": true,
  "find_additional_modules": true,
  "preserve_file_names": true,
  "rules": [{ "type": "Data", "globs": ["**/*.html"], "fallthrough": true }, { "type": "ESModule", "globs": ["lang/*.js"] }],
  "env": { "bundled": { "no_bundle": false, "find_additional_modules": false } }
}`
	c, diags, err := Parse("valet.jsonc", []byte(src))
	if err != nil || len(diags) > 0 {
		t.Fatalf("Parse: %v %v", err, diags)
	}
	if c.BaseDir != "src" || !*c.NoBundle || !*c.FindAdditionalModules || !*c.PreserveFileNames || len(c.Rules) != 2 ||
		c.Rules[0].Type != "Data" || c.Rules[0].Globs[0] != "**/*.html" || !*c.Rules[0].Fallthrough || c.Rules[1].Fallthrough != nil {
		t.Errorf("decoded %+v", c)
	}
	e, err := Resolve(c, "bundled")
	if err != nil {
		t.Fatal(err)
	}
	if *e.NoBundle || *e.FindAdditionalModules || !*e.PreserveFileNames || len(e.Rules) != 2 || e.BaseDir != "src" {
		t.Errorf("env bundled: %+v", e)
	}
}

// TestParseCluster: several hosts with their private addresses and the
// bucket they share; an environment with one host needs no bucket.
func TestParseCluster(t *testing.T) {
	cfg, diags, err := Parse("cluster.jsonc", readFixture(t, "cluster.jsonc"))
	if err != nil || len(diags) != 0 {
		t.Fatalf("err %v, diagnostics %v", err, diags)
	}
	d := cfg.Deploy
	want := []DeployHost{
		{Host: "ssh://deploy@a.example.com", PrivateAddress: "10.0.0.1"},
		{Host: "ssh://deploy@b.example.com", PrivateAddress: "100.101.102.103:7100"},
		{Host: "tcp://c.example.com:2376", PrivateAddress: "[fd7a:115c:a1e0::3]:7000"},
		{Host: "unix:///var/run/docker.sock", PrivateAddress: "d.internal"},
	}
	if len(d.Hosts) != len(want) {
		t.Fatalf("hosts = %+v", d.Hosts)
	}
	for i := range want {
		if d.Hosts[i] != want[i] {
			t.Errorf("hosts[%d] = %+v, want %+v", i, d.Hosts[i], want[i])
		}
	}
	if c := d.Cluster; c == nil || *c != (Cluster{Bucket: "s3://valet-state/app", Endpoint: "https://acct.r2.cloudflarestorage.com", Region: "auto", Port: 7100}) {
		t.Errorf("cluster = %+v", d.Cluster)
	}
	staging, _, err := resolve(cfg, "staging")
	if err != nil {
		t.Fatal(err)
	}
	if sd := staging.Deploy; sd.Host != "ssh://deploy@staging.example.com" || len(sd.Hosts) != 0 {
		t.Errorf("env staging: deploy = %+v; want its one host in place of the top level's hosts", sd)
	}
}

func TestDeployHostList(t *testing.T) {
	cfg, _, err := Parse("cluster.jsonc", readFixture(t, "cluster.jsonc"))
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Deploy
	if got := d.HostList(); len(got) != 4 || got[3].Host != "unix:///var/run/docker.sock" {
		t.Errorf("HostList = %+v", got)
	}
	for i, want := range []string{"10.0.0.1:7100", "100.101.102.103:7100", "[fd7a:115c:a1e0::3]:7000", "d.internal:7100"} {
		if got := d.ClusterAddress(d.Hosts[i]); got != want {
			t.Errorf("ClusterAddress(%+v) = %q, want %q", d.Hosts[i], got, want)
		}
	}
	one := &Deploy{Host: "ssh://deploy@example.com"}
	if got := one.HostList(); len(got) != 1 || got[0].Host != one.Host {
		t.Errorf("HostList of deploy.host = %+v", got)
	}
	if got := (*Deploy)(nil).HostList(); got != nil {
		t.Errorf("HostList of no deploy = %+v", got)
	}
	if got := (&Deploy{}).ClusterAddress(DeployHost{PrivateAddress: "10.0.0.9"}); got != "10.0.0.9:7000" {
		t.Errorf("ClusterAddress with the default port = %q", got)
	}
}
