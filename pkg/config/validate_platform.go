package config

import "fmt"

// checkPlatform validates the bindings of platform.go in one config section
// as wrangler does, and says which of them valet cannot run locally.
func (d *decoder) checkPlatform(c *Config, p func(string) string) {
	for i, b := range c.Hyperdrive {
		d.checkIdentifier(b.Binding, index(p("hyperdrive"), i)+".binding", true)
	}
	for i, r := range c.RateLimits {
		rp := index(p("ratelimits"), i)
		d.checkIdentifier(r.Name, rp+".name", true)
		if n := d.vals[rp+".simple.period"]; n != nil && n.kind == kindNumber && r.Simple.Period != 10 && r.Simple.Period != 60 {
			d.errorf(n, "use 10 or 60", "%s\"simple.period\" must be either 10 or 60 but got %s", at(rp), n.str)
		}
		if n := d.vals[rp+".simple.limit"]; n != nil && n.kind == kindNumber && r.Simple.Limit <= 0 {
			d.errorf(n, "use the number of requests allowed per period, e.g. 100", "%s\"simple.limit\" must be greater than 0", at(rp))
		}
	}
	if c.VersionMetadata != nil {
		d.checkIdentifier(c.VersionMetadata.Binding, p("version_metadata.binding"), true)
	}
	for i, e := range c.SendEmail {
		ep := index(p("send_email"), i)
		d.checkIdentifier(e.Name, ep+".name", true)
		if e.DestinationAddress != "" && e.AllowedDestinationAddresses != nil {
			d.errorf(d.keyAt(ep+".allowed_destination_addresses"), "keep destination_address for a single recipient, or the list for several",
				"%sbindings should have either a \"destination_address\" or \"allowed_destination_addresses\" field, but not both", at(ep))
		}
	}
	for i, s := range c.SecretsStoreSecrets {
		d.checkIdentifier(s.Binding, index(p("secrets_store_secrets"), i)+".binding", true)
	}
	for i, a := range c.AnalyticsEngineDatasets {
		d.checkIdentifier(a.Binding, index(p("analytics_engine_datasets"), i)+".binding", true)
	}
	// No local implementation: the binding is there, its calls fail.
	for _, r := range []struct{ key, binding, product string }{
		{"ai", c.AI.Name(), "Workers AI"},
		{"browser", c.Browser.Name(), "Browser Rendering"},
	} {
		if r.binding == "" {
			continue
		}
		d.checkIdentifier(r.binding, p(r.key+".binding"), true)
		d.warnf(d.keyAt(p(r.key)), fmt.Sprintf("run the parts of the app that use env.%s on Cloudflare (wrangler dev with remote bindings)", r.binding),
			"%s%s has no local implementation: valet runs the app with env.%s bound, and each call to it fails with an error saying so",
			at(p(r.key)), r.product, r.binding)
	}
}
