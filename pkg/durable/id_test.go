package durable

import (
	"strings"
	"testing"
)

const twoNamespaces = `
import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { who() { return "A"; } }
export class B extends DurableObject { who() { return "B"; } }
export default {
  async fetch(request, env) {
    const u = env.A.newUniqueId();
    const out = { own: env.A.idFromString(u.toString()).equals(u), who: await env.A.get(u).who() };
    try { env.B.idFromString(u.toString()); out.other = "accepted"; } catch (e) { out.other = e.message; }
    try { env.B.get(u); out.get = "accepted"; } catch (e) { out.get = e.message; }
    out.byName = env.B.idFromString(env.A.idFromName("x").toString()) !== null;
    return Response.json(out);
  },
};
`

func TestIDFromStringChecksNamespace(t *testing.T) {
	a := startApp(t, twoNamespaces, Options{Bindings: []Binding{{Name: "A", Class: "A"}, {Name: "B", Class: "B"}}})
	body := a.get(t, "/")
	for _, want := range []string{`"own":true`, `"who":"A"`, `"other":"Invalid Durable Object ID: `, `belongs to the A namespace, not B`, `"byName":true`} {
		if !strings.Contains(body, want) {
			t.Errorf("%s lacks %s", body, want)
		}
	}
	if strings.Contains(body, `"get":"accepted"`) {
		t.Errorf("B.get accepted A's id: %s", body)
	}
	if u := NewUniqueIDIn("k"); !hasTag(u, "k") || hasTag(u, "j") || len(u) != 64 {
		t.Errorf("NewUniqueIDIn: %s", u)
	}
}
