package config

import (
	"reflect"
	"slices"
)

// unsupportedKeys lists, for each config struct, the keys wrangler accepts
// that valet reads past with a warning: a wrangler.jsonc must load as it is,
// and nothing it says may be dropped without telling the user.
func unsupportedKeys(t reflect.Type) []string {
	switch t {
	case reflect.TypeFor[Config]():
		return []string{
			// Bindings valet does not provide yet.
			"dispatch_namespaces", "images",
			"mtls_certificates", "pipelines", "unsafe",
			"unsafe_hello_world", "vectorize",
			"worker_loaders", "vpc_services", "logfwdr", "secrets",
			"access", "addresses", "agent_memory", "ai_search", "ai_search_namespaces",
			"artifacts", "cache", "connect", "dependencies_instrumentation", "flagship",
			"media", "previews", "stream", "vpc_networks", "websearch",
			// Python workers, and the service-worker format's module kinds.
			"python_modules", "wasm_modules", "text_blobs", "data_blobs",
			// Cloudflare account, routing and platform settings.
			"account_id", "zone_id", "route", "routes", "preview_urls",
			"placement", "limits", "logpush", "tail_consumers",
			"streaming_tail_consumers", "first_party_worker", "usage_model",
			"compliance_region", "cloudchamber", "send_metrics", "legacy_env",
			"node_compat", "site", "pages_build_output_dir",
			// wrangler v1 keys.
			"type", "webpack_config", "workers_dot_dev", "kv-namespaces",
		}
	case reflect.TypeFor[Container]():
		return []string{"instances", "durable_objects", "rollout_active_grace_period",
			"observability", "affinities", "ssh", "wrangler_ssh", "authorized_keys",
			"trusted_user_ca_keys", "unsafe"}
	case reflect.TypeFor[Assets]():
		return []string{"experimental_serve_directly"}
	case reflect.TypeFor[Observability]():
		return []string{"traces"}
	case reflect.TypeFor[ObservabilityLogs]():
		return []string{"persist", "destinations"}
	case reflect.TypeFor[DurableObjectBinding]():
		return []string{"experimental_remote", "remote"}
	case reflect.TypeFor[QueueConsumer]():
		// Pull consumers' setting: no worker receives their messages.
		return []string{"visibility_timeout_ms"}
	case reflect.TypeFor[Workflow]():
		// Schedules start instances on Cloudflare's cron; not run here yet.
		return []string{"schedules", "remote", "experimental_remote"}
	case reflect.TypeFor[ServiceBinding]():
		// environment is wrangler's deprecated service environments.
		return []string{"environment", "remote", "experimental_remote"}
	case reflect.TypeFor[KVNamespace](), reflect.TypeFor[D1Database](), reflect.TypeFor[R2Bucket](), reflect.TypeFor[QueueProducer](),
		reflect.TypeFor[SendEmail](), reflect.TypeFor[AI](), reflect.TypeFor[Browser]():
		// valet has no remote bindings: the binding is local either way.
		return []string{"experimental_remote", "remote"}
	case reflect.TypeFor[Build]():
		return []string{"upload"}
	case reflect.TypeFor[Dev]():
		return []string{"inspector_ip", "generate_types"}
	case reflect.TypeFor[Export]():
		return []string{"cache"}
	}
	return nil
}

func isUnsupported(t reflect.Type, key string) bool {
	return slices.Contains(unsupportedKeys(t), key)
}
