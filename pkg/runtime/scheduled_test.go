package runtime

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestScheduled(t *testing.T) {
	w := startWorker(t, `
let last = "none";
export default {
  async fetch() { return new Response(last); },
  async scheduled(controller, env, ctx) {
    if (controller.cron === "fail") throw new Error("cron failed");
    ctx.waitUntil(new Promise((r) => setTimeout(r, 5)).then(() => { last += "+waited"; }));
    controller.noRetry();
    last = [controller.cron, controller.scheduledTime, controller.type, env.GREETING, typeof ctx.waitUntil].join(" ");
  },
};`, func(o *Options) { o.Isolates = 1; o.Env = map[string]Binding{"GREETING": Var("hi")} })
	at := time.UnixMilli(1700000000000)
	if err := w.pool.Scheduled(context.Background(), ScheduledEvent{Cron: "*/5 * * * *", Time: at}); err != nil {
		t.Fatal(err)
	}
	if _, body := w.get(t, "/"); body != "*/5 * * * * 1700000000000 scheduled hi function+waited" {
		t.Errorf("after scheduled: %q", body)
	}
	err := w.pool.Scheduled(context.Background(), ScheduledEvent{Cron: "fail"})
	if je, ok := err.(*JSError); !ok || je.Message != "cron failed" {
		t.Errorf("failing handler: %v, want *JSError cron failed", err)
	}
}

func TestScheduledForms(t *testing.T) {
	cases := map[string]string{
		"entrypoint": `import { WorkerEntrypoint } from "cloudflare:workers";
let got = "";
export default class extends WorkerEntrypoint {
  fetch() { return new Response(got); }
  scheduled(c) { got = c.cron + " " + this.env.GREETING + " " + JSON.stringify(this.ctx.props); }
}`,
		"service worker": `let got = "";
addEventListener("fetch", (e) => e.respondWith(new Response(got)));
addEventListener("scheduled", (e) => e.waitUntil(Promise.resolve().then(() => { got = e.cron + " " + typeof e.scheduledTime + " {}"; })));`,
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			w := startWorker(t, src, func(o *Options) { o.Isolates = 1; o.Env = map[string]Binding{"GREETING": Var("hi")} })
			if err := w.pool.Scheduled(context.Background(), ScheduledEvent{Cron: "0 * * * *"}); err != nil {
				t.Fatal(err)
			}
			want := "0 * * * * hi {}"
			if name == "service worker" {
				want = "0 * * * * number {}"
			}
			if _, body := w.get(t, "/"); body != want {
				t.Errorf("got %q, want %q", body, want)
			}
		})
	}
	t.Run("no handler", func(t *testing.T) {
		w := startWorker(t, `export default { fetch() { return new Response("x") } }`, nil)
		err := w.pool.Scheduled(context.Background(), ScheduledEvent{})
		if err == nil || !strings.Contains(err.Error(), "does not export a scheduled() function") {
			t.Errorf("err = %v", err)
		}
	})
}
