package durable

import (
	"strings"
	"testing"
	"time"
)

const alarmWorker = `
import { DurableObject } from "cloudflare:workers";

export class Clock extends DurableObject {
  async fetch(request) {
    const s = this.ctx.storage;
    const path = new URL(request.url).pathname;
    if (path === "/set") {
      await s.put("fails", Number(new URL(request.url).searchParams.get("fails") || 0));
      await s.setAlarm(Date.now() + 50);
      return Response.json({ alarm: (await s.getAlarm()) > 0 });
    }
    if (path === "/unset") {
      await s.setAlarm(Date.now() + 60000);
      await s.deleteAlarm();
      return Response.json({ alarm: await s.getAlarm() });
    }
    return Response.json({ runs: (await s.get("runs")) || [], alarm: await s.getAlarm() });
  }
  async alarm(info) {
    const s = this.ctx.storage;
    const runs = (await s.get("runs")) || [];
    runs.push(info);
    await s.put("runs", runs);
    const fails = await s.get("fails");
    if (fails > 0) { await s.put("fails", fails - 1); throw new Error("flaky"); }
  }
}

export default {
  fetch(request, env) { return env.CLOCK.getByName("c").fetch(request); },
};
`

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestAlarmRetries(t *testing.T) {
	opts := Options{PersistTo: t.TempDir(), Bindings: []Binding{{Name: "CLOCK", Class: "Clock"}}, AlarmRetryBase: 20 * time.Millisecond}
	a := startApp(t, alarmWorker, opts)
	if b := a.get(t, "/set?fails=2"); !strings.Contains(b, `"alarm":true`) {
		t.Fatal(b)
	}
	var body string
	waitFor(t, "three alarm runs", 5*time.Second, func() bool {
		body = a.get(t, "/runs")
		return strings.Contains(body, `{"isRetry":true,"retryCount":2}`)
	})
	if !strings.Contains(body, `"runs":[{"isRetry":false,"retryCount":0},{"isRetry":true,"retryCount":1},{"isRetry":true,"retryCount":2}]`) || !strings.Contains(body, `"alarm":null`) {
		t.Fatalf("runs: %s", body)
	}
	if b := a.get(t, "/unset"); !strings.Contains(b, `"alarm":null`) {
		t.Fatalf("deleteAlarm: %s", b)
	}
}

func TestAlarmSurvivesRestartAndEviction(t *testing.T) {
	dir := t.TempDir()
	opts := Options{PersistTo: dir, Bindings: []Binding{{Name: "CLOCK", Class: "Clock"}}, IdleTimeout: 50 * time.Millisecond}
	a := startApp(t, alarmWorker, opts)
	a.get(t, "/set")
	a.close() // before the alarm fires

	time.Sleep(100 * time.Millisecond)
	a2 := startApp(t, alarmWorker, opts)
	// The alarm wakes the object by itself: no request has created it.
	waitFor(t, "alarm after restart", 5*time.Second, func() bool {
		return strings.Contains(a2.get(t, "/runs"), `"isRetry":false`)
	})
}

const hangingAlarmWorker = `
import { DurableObject } from "cloudflare:workers";

export class Clock extends DurableObject {
  async fetch(request) {
    const s = this.ctx.storage;
    if (new URL(request.url).pathname === "/set") {
      await s.put("hang", true);
      await s.setAlarm(Date.now() + 10);
      return new Response("set");
    }
    return Response.json({ started: (await s.get("started")) || 0, done: (await s.get("done")) || 0 });
  }
  async alarm() {
    const s = this.ctx.storage;
    await s.put("started", ((await s.get("started")) || 0) + 1);
    if (await s.get("hang")) {
      await s.delete("hang");
      await new Promise((r) => setTimeout(r, 60000)); // killed while here
    }
    await s.put("done", ((await s.get("done")) || 0) + 1);
  }
}

export default {
  fetch(request, env) { return env.CLOCK.getByName("c").fetch(request); },
};
`

func TestAlarmCutShortFiresAgain(t *testing.T) {
	dir := t.TempDir()
	opts := Options{PersistTo: dir, Bindings: []Binding{{Name: "CLOCK", Class: "Clock"}}}
	a := startApp(t, hangingAlarmWorker, opts)
	a.get(t, "/set")
	waitFor(t, "the alarm to start", 5*time.Second, func() bool {
		return strings.Contains(a.get(t, "/state"), `"started":1`)
	})
	a.close() // mid-delivery

	a2 := startApp(t, hangingAlarmWorker, opts)
	waitFor(t, "the alarm delivered again", 5*time.Second, func() bool {
		return strings.Contains(a2.get(t, "/state"), `"started":2,"done":1`)
	})
}
