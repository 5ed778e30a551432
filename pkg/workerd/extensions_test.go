package workerd_test

import (
	"testing"

	. "github.com/valet-dev/valet/pkg/workerd"
)

// An extension module backs a wrapped binding, and an internal one is the
// hidden half of a built-in module ("cloudflare:email" imports
// "cloudflare-internal:email"); the worker cannot import an internal one.
func TestExtensions(t *testing.T) {
	_, px := startApp(t, `import { EmailMessage } from "cloudflare:email";
export default { async fetch(request, env) {
	let direct = "importable";
	try { await import("valet-test:greeter"); } catch (e) { direct = e.message; }
	const m = new EmailMessage("a@x", "b@y", "raw");
	return new Response([env.GREETER.greet("valet"), m.from, direct].join(" | "));
} };`, nil, func(c *Config) {
		c.Extensions = []ExtensionModule{
			{Name: "valet-test:greeter", Internal: true, Source: `export default function (env) {
				return { greet: (who) => env.greeting + ", " + who };
			}`},
			{Name: "cloudflare-internal:email", Internal: true, Source: `class EmailMessage { constructor(from) { this.from = from; } }
export default { EmailMessage };`},
		}
		c.Bindings = append(c.Bindings, Binding{Name: "GREETER", Member: "wrapped",
			Value: `(moduleName = "valet-test:greeter", innerBindings = [(name = "greeting", text = "hello \"there\"")])`})
	})
	_, body := get(t, px, "GET", "/", nil)
	if want := `hello "there", valet | a@x | No such module "valet-test:greeter".`; body != want {
		t.Errorf("got %q\nwant %q", body, want)
	}
}
