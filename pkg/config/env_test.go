package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// TestResolve pins wrangler's inheritance rules, key by key.
func TestResolve(t *testing.T) {
	top := &Config{
		Name:               "app",
		Main:               "src/index.ts",
		CompatibilityDate:  "2025-06-01",
		CompatibilityFlags: []string{"nodejs_compat"},
		Minify:             ptr(true),
		Define:             map[string]string{"DEBUG": "false"},
		Alias:              map[string]string{"react": "preact/compat"},
		Vars:               map[string]any{"MODE": "prod"},
		DurableObjects:     &DurableObjects{Bindings: []DurableObjectBinding{{Name: "ROOMS", ClassName: "Room"}}},
		Containers:         []Container{{ClassName: "Room", Image: "./Dockerfile"}},
		Migrations:         []Migration{{Tag: "v1", NewSqliteClasses: []string{"Room"}}},
		Assets:             &Assets{Directory: "dist"},
		Build:              &Build{Command: "make"},
		Triggers:           &Triggers{Crons: []string{"* * * * *"}},
		Observability:      &Observability{Enabled: ptr(true)},
		Dev:                &Dev{Port: 8787},
		Frontend:           &Frontend{Entry: StringList{"index.html"}},
		Deploy: &Deploy{Host: "ssh://a@prod", Port: 80, Keep: 3,
			Healthcheck: &Healthcheck{Path: "/up", Interval: "1s"}},
		Env: map[string]*Config{
			"empty": {},
			"staging": {
				Name:              "app-next",
				CompatibilityDate: "2025-07-01",
				Vars:              map[string]any{"MODE": "staging"},
				Assets:            &Assets{Directory: "dist-staging"},
				Dev:               &Dev{Port: 9999},
				Frontend:          &Frontend{Entry: StringList{"staging.html"}},
				Deploy:            &Deploy{Host: "ssh://a@staging", Healthcheck: &Healthcheck{Interval: "2s"}},
			},
		},
	}
	tests := []struct {
		key     string
		env     string
		get     func(*Config) any
		want    any
		missing bool // a "not inherited" warning is due for key
	}{
		// Top level: everything as written, Env cleared.
		{"name", "", func(c *Config) any { return c.Name }, "app", false},
		{"env", "", func(c *Config) any { return c.Env }, map[string]*Config(nil), false},

		// Inheritable keys come from the top level unless the env sets them.
		{"name", "empty", func(c *Config) any { return c.Name }, "app-empty", false},
		{"name", "staging", func(c *Config) any { return c.Name }, "app-next", false},
		{"main", "empty", func(c *Config) any { return c.Main }, "src/index.ts", false},
		{"compatibility_date", "empty", func(c *Config) any { return c.CompatibilityDate }, "2025-06-01", false},
		{"compatibility_date", "staging", func(c *Config) any { return c.CompatibilityDate }, "2025-07-01", false},
		{"compatibility_flags", "empty", func(c *Config) any { return c.CompatibilityFlags }, []string{"nodejs_compat"}, false},
		{"minify", "empty", func(c *Config) any { return *c.Minify }, true, false},
		{"alias", "empty", func(c *Config) any { return c.Alias["react"] }, "preact/compat", false},
		{"migrations", "empty", func(c *Config) any { return c.Migrations[0].Tag }, "v1", false},
		{"assets", "empty", func(c *Config) any { return c.Assets.Directory }, "dist", false},
		{"assets", "staging", func(c *Config) any { return c.Assets.Directory }, "dist-staging", false},
		{"build", "empty", func(c *Config) any { return c.Build.Command }, "make", false},
		{"triggers", "empty", func(c *Config) any { return c.Triggers.Crons }, []string{"* * * * *"}, false},
		{"observability", "empty", func(c *Config) any { return *c.Observability.Enabled }, true, false},

		// Bindings are never inherited, and their absence is warned about.
		{"vars", "empty", func(c *Config) any { return c.Vars }, map[string]any(nil), true},
		{"vars", "staging", func(c *Config) any { return c.Vars["MODE"] }, "staging", false},
		{"define", "empty", func(c *Config) any { return c.Define }, map[string]string(nil), true},
		{"durable_objects", "empty", func(c *Config) any { return c.DurableObjects }, (*DurableObjects)(nil), true},
		{"containers", "empty", func(c *Config) any { return c.Containers }, []Container(nil), true},

		// dev is read from the top level only.
		{"dev", "staging", func(c *Config) any { return c.Dev.Port }, 8787, false},

		// valet's frontend inherits; deploy merges field by field.
		{"frontend", "empty", func(c *Config) any { return []string(c.Frontend.Entry) }, []string{"index.html"}, false},
		{"frontend", "staging", func(c *Config) any { return []string(c.Frontend.Entry) }, []string{"staging.html"}, false},
		{"deploy", "empty", func(c *Config) any { return *c.Deploy }, *top.Deploy, false},
		{"deploy.host", "staging", func(c *Config) any { return c.Deploy.Host }, "ssh://a@staging", false},
		{"deploy.port", "staging", func(c *Config) any { return c.Deploy.Port }, 80, false},
		{"deploy.keep", "staging", func(c *Config) any { return c.Deploy.Keep }, 3, false},
		{"deploy.healthcheck", "staging", func(c *Config) any { return *c.Deploy.Healthcheck }, Healthcheck{Path: "/up", Interval: "2s"}, false},
		{"env", "staging", func(c *Config) any { return c.Env }, map[string]*Config(nil), false},
	}
	for _, tt := range tests {
		t.Run(tt.env+"/"+tt.key, func(t *testing.T) {
			got, missing, err := resolve(top, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if v := tt.get(got); !reflect.DeepEqual(v, tt.want) {
				t.Errorf("%s = %#v, want %#v", tt.key, v, tt.want)
			}
			warned := false
			for _, m := range missing {
				warned = warned || m.key == tt.key
			}
			if warned != tt.missing {
				t.Errorf("missing-binding warning for %s = %v, want %v", tt.key, warned, tt.missing)
			}
		})
	}
	if top.Deploy.Host != "ssh://a@prod" || top.Deploy.Healthcheck.Interval != "1s" || top.Env == nil {
		t.Error("Resolve modified its input")
	}
}

func TestResolveUnknownEnv(t *testing.T) {
	c := &Config{Env: map[string]*Config{"staging": {}, "production": {}}}
	_, err := Resolve(c, "prod")
	var ce *Error
	if !errors.As(err, &ce) || ce.ExitCode() != 2 {
		t.Fatalf("err = %v, want *Error", err)
	}
	want := "environment \"prod\" is not defined; available: production, staging\n    hint: did you mean --env production?"
	if err.Error() != want {
		t.Errorf("err =\n%s\nwant\n%s", err, want)
	}

	_, err = Resolve(&Config{}, "staging")
	if err == nil || !strings.Contains(err.Error(), "the config defines no environments") {
		t.Errorf("err = %v", err)
	}
}
