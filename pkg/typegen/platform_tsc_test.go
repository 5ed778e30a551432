package typegen

import (
	"strings"
	"testing"
)

// A worker using every platform binding type-checks against valet's
// declarations, and misuses of them do not.
func TestTypeCheckPlatformWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tsc")
	}
	if out, ok := typeCheck(t, "platform", nil); !ok {
		t.Fatalf("tsc rejected the platform worker:\n%s", out)
	}
	bad := `export default {
	async fetch(request, env) {
		await env.LIMITER.limit({ key: 1 });
		const n: number = await env.API_KEY.get();
		env.CF_VERSION_METADATA.id = "x";
		await env.EMAIL.send({ from: "a@b.c", subject: "no to" });
		const p: Promise<void> = env.EVENTS.writeDataPoint({ doubles: ["x"] });
		const port: string = env.HYPERDRIVE.port;
		return new Response();
	},
} satisfies ExportedHandler<Env>;
`
	out, ok := typeCheck(t, "platform", map[string]string{"src/bad.ts": bad})
	if ok {
		t.Fatal("tsc accepted misuses of the platform bindings")
	}
	for _, want := range []string{"bad.ts(3,", "bad.ts(4,", "bad.ts(5,", "bad.ts(6,", "bad.ts(7,", "bad.ts(8,"} {
		if !strings.Contains(out, want) {
			t.Errorf("tsc output lacks an error at %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "index.ts") || strings.Contains(out, "worker-configuration.d.ts") {
		t.Errorf("errors outside bad.ts:\n%s", out)
	}
}
