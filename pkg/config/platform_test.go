package config

import (
	"strings"
	"testing"
)

// The platform bindings decode with wrangler's keys, and what wrangler
// refuses valet refuses, with wrangler's words.
func TestPlatformBindings(t *testing.T) {
	c, diags := mustParse(t, "wrangler.jsonc", `{
  "hyperdrive": [{ "binding": "HD", "id": "abc", "localConnectionString": "postgres://u:p@h/db" }],
  "ratelimits": [{ "name": "RL", "namespace_id": "1001", "simple": { "limit": 100, "period": 10 } }],
  "version_metadata": { "binding": "VM" },
  "send_email": [{ "name": "E", "allowed_destination_addresses": ["a@x.y"], "allowed_sender_addresses": ["me@x.y"] }],
  "secrets_store_secrets": [{ "binding": "S", "store_id": "st", "secret_name": "n" }],
  "analytics_engine_datasets": [{ "binding": "AE" }],
  "ai": { "binding": "AI", "staging": true },
  "browser": { "binding": "BR" }
}`)
	if len(c.Hyperdrive) != 1 || c.Hyperdrive[0].LocalConnectionString != "postgres://u:p@h/db" ||
		c.RateLimits[0].Simple != (RateLimitSimple{Limit: 100, Period: 10}) || c.VersionMetadata.Binding != "VM" ||
		c.SendEmail[0].AllowedSenderAddresses[0] != "me@x.y" || c.SecretsStoreSecrets[0].SecretName != "n" ||
		c.AnalyticsEngineDatasets[0].Binding != "AE" || c.AI.Binding != "AI" || c.Browser.Binding != "BR" {
		t.Errorf("decoded %+v", c)
	}
	var msgs []string
	for _, d := range diags {
		msgs = append(msgs, d.String())
	}
	want := []string{
		"wrangler.jsonc:8:3: warning: ai: Workers AI has no local implementation: valet runs the app with env.AI bound, and each call to it fails with an error saying so\n" +
			"    hint: run the parts of the app that use env.AI on Cloudflare (wrangler dev with remote bindings)",
		"wrangler.jsonc:9:3: warning: browser: Browser Rendering has no local implementation: valet runs the app with env.BR bound, and each call to it fails with an error saying so\n" +
			"    hint: run the parts of the app that use env.BR on Cloudflare (wrangler dev with remote bindings)",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}

func TestPlatformBindingErrors(t *testing.T) {
	for src, want := range map[string]string{
		// wrangler: `"ratelimits[0]" bindings "simple.period" must be either 10 or 60 but got 30.`
		`{"ratelimits": [{"name": "RL", "namespace_id": "1", "simple": {"limit": 5, "period": 30}}]}`: `ratelimits[0]: "simple.period" must be either 10 or 60 but got 30`,
		`{"ratelimits": [{"name": "RL", "namespace_id": "1", "simple": {"limit": 5}}]}`:               `ratelimits[0].simple: missing required key "period"`,
		`{"ratelimits": [{"name": "RL", "simple": {"limit": 5, "period": 60}}]}`:                      `ratelimits[0]: missing required key "namespace_id"`,
		`{"ratelimits": [{"name": "RL", "namespace_id": 1, "simple": {"limit": 5, "period": 60}}]}`:   `ratelimits[0].namespace_id: expected string, got number 1`,
		// wrangler: `"send_email[0]" bindings should have either a "destination_address" or "allowed_destination_addresses" field, but not both.`
		`{"send_email": [{"name": "E", "destination_address": "a@b.c", "allowed_destination_addresses": []}]}`: `send_email[0]: bindings should have either a "destination_address" or "allowed_destination_addresses" field, but not both`,
		`{"hyperdrive": [{"binding": "HD"}]}`:                            `hyperdrive[0]: missing required key "id"`,
		`{"secrets_store_secrets": [{"binding": "S", "store_id": "x"}]}`: `secrets_store_secrets[0]: missing required key "secret_name"`,
		`{"analytics_engine_datasets": [{"binding": "my-ae"}]}`:          `analytics_engine_datasets[0].binding: "my-ae" is not a valid JavaScript identifier`,
		`{"version_metadata": {}}`:                                       `version_metadata: missing required key "binding"`,
		`{"ai": {"binding": "AI", "model": "x"}}`:                        `ai: unknown key "model"`,
	} {
		_, diags, _ := Parse("v.jsonc", []byte(src))
		found := false
		for _, d := range diags {
			if d.Severity == SeverityError && strings.Contains(d.Message, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no error %q in %v", src, want, diags)
		}
	}
}

// Like wrangler's other bindings, an environment does not inherit them.
func TestPlatformBindingsNotInherited(t *testing.T) {
	c, _ := mustParse(t, "v.jsonc", `{
  "name": "app",
  "hyperdrive": [{ "binding": "HD", "id": "abc" }],
  "ai": { "binding": "AI" },
  "version_metadata": { "binding": "VM" },
  "env": { "staging": { "send_email": [{ "name": "E" }] } }
}`)
	r, missing, err := resolve(c, "staging")
	if err != nil {
		t.Fatal(err)
	}
	if r.Hyperdrive != nil || r.AI != nil || r.VersionMetadata != nil || len(r.SendEmail) != 1 {
		t.Errorf("staging = %+v", r)
	}
	var keys []string
	for _, m := range missing {
		keys = append(keys, m.key)
	}
	if got := strings.Join(keys, " "); got != "hyperdrive version_metadata ai" {
		t.Errorf("warned about %q, want hyperdrive version_metadata ai", got)
	}
	// "remote" is wrangler's, and ignored: valet's bindings are all local.
	_, diags := mustParse(t, "v.jsonc", `{"send_email": [{"name": "E", "remote": true}], "browser": {"binding": "B", "remote": true}}`)
	n := 0
	for _, d := range diags {
		if strings.Contains(d.Message, `.remote" is not supported by valet yet`) || strings.Contains(d.Message, `browser.remote" is not supported`) {
			n++
		}
	}
	if n != 2 {
		t.Errorf("remote keys: %v", diags)
	}
}
