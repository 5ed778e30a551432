package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// nonInheritable reports the keys an environment never takes from the top
// level (wrangler's bindings): when env.<name> omits them they are empty.
func nonInheritable(key string) bool {
	switch key {
	case "vars", "define", "durable_objects", "containers", "kv_namespaces", "d1_databases", "r2_buckets",
		"queues", "workflows", "services":
		return true
	}
	return platformBinding(key)
}

// platformBinding reports the keys of platform.go's bindings, none of
// which an environment inherits (wrangler's notInheritable).
func platformBinding(key string) bool {
	switch key {
	case "hyperdrive", "ratelimits", "version_metadata", "send_email", "secrets_store_secrets",
		"analytics_engine_datasets", "ai", "browser":
		return true
	}
	return false
}

// Resolve returns the config of environment env ("" for the top level) with
// wrangler's inheritance rules applied and Env cleared:
//
//   - inheritable keys (name, main, compatibility_date, assets, build,
//     migrations, triggers, observability, …) come from the environment when
//     it sets them, else from the top level;
//   - bindings (vars, define, durable_objects, containers, kv_namespaces,
//     d1_databases, r2_buckets, queues, workflows, services) are never
//     inherited;
//   - name defaults to "<top-level name>-<env>";
//   - dev is read from the top level only;
//   - valet's frontend is inherited, and deploy is merged field by field.
//
// c is not modified; the result shares unmodified values with it.
func Resolve(c *Config, env string) (*Config, error) {
	r, _, err := resolve(c, env)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// envMissing is a non-inheritable key set at the top level but absent
// from the chosen environment; wrangler warns about each.
type envMissing struct{ key string }

func resolve(c *Config, env string) (*Config, []envMissing, error) {
	if c == nil {
		return nil, nil, fmt.Errorf("resolve environment %q: no config", env)
	}
	out := *c
	out.Env = nil
	if env == "" {
		return &out, nil, nil
	}
	e, ok := c.Env[env]
	if !ok || e == nil {
		return nil, nil, &Error{Diagnostics: []Diagnostic{envNotFound(c, env)}}
	}

	top, ev, rv := reflect.ValueOf(c).Elem(), reflect.ValueOf(e).Elem(), reflect.ValueOf(&out).Elem()
	t := top.Type()
	var missing []envMissing
	for i := 0; i < t.NumField(); i++ {
		key, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		switch {
		case key == "env":
		case key == "dev" || key == "$schema":
			// Top level only.
		case key == "deploy":
			out.Deploy = mergeDeploy(c.Deploy, e.Deploy)
		case nonInheritable(key):
			rv.Field(i).Set(ev.Field(i))
			if !top.Field(i).IsZero() && ev.Field(i).IsZero() {
				missing = append(missing, envMissing{key})
			}
		default:
			if !ev.Field(i).IsZero() {
				rv.Field(i).Set(ev.Field(i))
			}
		}
	}
	if e.Name == "" && c.Name != "" {
		out.Name = c.Name + "-" + env
	}
	return &out, missing, nil
}

func envNotFound(c *Config, env string) Diagnostic {
	names := make([]string, 0, len(c.Env))
	for n := range c.Env {
		names = append(names, n)
	}
	sort.Strings(names)
	d := Diagnostic{Severity: SeverityError, Message: fmt.Sprintf("environment %q is not defined", env)}
	switch {
	case len(names) == 0:
		d.Message += "; the config defines no environments"
		d.Hint = fmt.Sprintf(`add "env": {%q: {}} to the config, or drop --env`, env)
	default:
		d.Message += "; available: " + strings.Join(names, ", ")
		if s := suggest(env, names); s != "" {
			d.Hint = fmt.Sprintf("did you mean --env %s?", s)
		} else {
			d.Hint = fmt.Sprintf(`use one of them, or add %q under "env"`, env)
		}
	}
	return d
}

// mergeDeploy overlays the environment's deploy settings on the top level's,
// field by field, so that an environment can change only the host.
func mergeDeploy(top, env *Deploy) *Deploy {
	if env == nil {
		return top
	}
	if top == nil {
		return env
	}
	out := *top
	// One host or several: an environment that names either replaces the
	// top level's hosts.
	if env.Host != "" || len(env.Hosts) > 0 {
		out.Host, out.Hosts = env.Host, env.Hosts
	}
	if env.Cluster != nil {
		out.Cluster = env.Cluster
	}
	if env.Port != 0 {
		out.Port = env.Port
	}
	if env.Build != "" {
		out.Build = env.Build
	}
	if env.Keep != 0 {
		out.Keep = env.Keep
	}
	switch {
	case env.Healthcheck == nil:
	case top.Healthcheck == nil:
		out.Healthcheck = env.Healthcheck
	default:
		hc := *top.Healthcheck
		for _, f := range []struct {
			dst *string
			src string
		}{
			{&hc.Path, env.Healthcheck.Path}, {&hc.Interval, env.Healthcheck.Interval},
			{&hc.Timeout, env.Healthcheck.Timeout}, {&hc.Deadline, env.Healthcheck.Deadline},
		} {
			if f.src != "" {
				*f.dst = f.src
			}
		}
		out.Healthcheck = &hc
	}
	return &out
}
