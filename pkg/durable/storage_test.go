package durable

import (
	"strings"
	"testing"
	"time"
)

const storeWorker = `
import { DurableObject } from "cloudflare:workers";

export class Store extends DurableObject {
  async fetch(request) {
    const s = this.ctx.storage;
    const path = new URL(request.url).pathname;
    const out = {};
    if (path === "/kv") {
      await s.put("b", 2);
      await s.put({ a: 1, c: { deep: [1, "x"] }, "p/1": 1, "p/2": 2, "q": 3 });
      out.one = await s.get("c");
      out.many = Object.fromEntries(await s.get(["a", "b", "missing"]));
      out.all = [...(await s.list()).keys()];
      out.prefix = [...(await s.list({ prefix: "p/" })).keys()];
      out.range = [...(await s.list({ start: "b", end: "p/2" })).keys()];
      out.after = [...(await s.list({ startAfter: "b", limit: 2 })).keys()];
      out.rev = [...(await s.list({ reverse: true, limit: 2 })).keys()];
      out.del = await s.delete("a");
      out.delAgain = await s.delete("a");
      out.delMany = await s.delete(["b", "q", "zz"]);
      s.kv.put("sync", { v: 1 });
      out.kv = s.kv.get("sync");
      out.kvList = [...s.kv.list({ prefix: "sy" })].map(([k]) => k);
      await s.deleteAll();
      out.empty = (await s.list()).size;
    } else if (path === "/sql") {
      const sql = s.sql;
      sql.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, name TEXT, data BLOB, score REAL); DELETE FROM t;");
      const ins = sql.exec("INSERT INTO t (name, data, score) VALUES (?, ?, ?), (?, ?, ?)", "ann", new Uint8Array([7]), 1.5, "bob", null, 2);
      out.written = ins.rowsWritten;
      const cur = sql.exec("SELECT * FROM t ORDER BY id");
      out.cols = cur.columnNames;
      out.rows = [...cur].map((r) => [r.id, r.name, r.data === null ? null : new Uint8Array(r.data)[0], r.score]);
      out.raw = sql.exec("SELECT name FROM t ORDER BY id").raw().toArray();
      out.one = sql.exec("SELECT count(*) AS n FROM t").one().n;
      try { sql.exec("SELECT * FROM t").one(); } catch (e) { out.oneErr = e.message; }
      try { sql.exec("SELEC nonsense"); } catch (e) { out.bad = e.message; }
      try {
        s.transactionSync(() => { sql.exec("INSERT INTO t (name) VALUES ('tx')"); throw new Error("undo"); });
      } catch (e) { out.txErr = e.message; }
      await s.transaction(async (txn) => { sql.exec("INSERT INTO t (name) VALUES ('kept')"); });
      try { await s.transaction(async () => { await s.put("gone", 1); throw new Error("no"); }); } catch {}
      out.gone = await s.get("gone");
      out.names = sql.exec("SELECT name FROM t ORDER BY id").toArray().map((r) => r.name);
      out.size = sql.databaseSize > 0;
      const tagged = [...sql.exec("SELECT ? AS a, ? AS b", 1, "two")];
      out.tagged = tagged[0];
    } else if (path === "/gate") {
      // Storage never opens the gate; a timer does.
      const log = (await s.get("log")) || [];
      log.push("start " + request.headers.get("x-n"));
      await s.put("log", log);
      if (request.headers.get("x-n") === "1") await new Promise((r) => setTimeout(r, 100));
      const after = (await s.get("log"));
      after.push("end " + request.headers.get("x-n"));
      await s.put("log", after);
      out.log = after;
    } else if (path === "/block") {
      const order = [];
      const p = this.ctx.blockConcurrencyWhile(async () => {
        await new Promise((r) => setTimeout(r, 100));
        order.push("blocked done");
        await s.put("blocked", true);
      });
      await p;
      out.order = order;
    } else if (path === "/after-block") {
      out.blocked = (await s.get("blocked")) === true;
    }
    return Response.json(out);
  }
}

export default {
  fetch(request, env) { return env.STORE.getByName("s").fetch(request); },
};
`

func TestStorageKV(t *testing.T) {
	a := startApp(t, storeWorker, Options{PersistTo: t.TempDir(), Bindings: []Binding{{Name: "STORE", Class: "Store"}}})
	body := a.get(t, "/kv")
	for _, want := range []string{
		`"one":{"deep":[1,"x"]}`, `"many":{"a":1,"b":2}`, `"all":["a","b","c","p/1","p/2","q"]`,
		`"prefix":["p/1","p/2"]`, `"range":["b","c","p/1"]`, `"after":["c","p/1"]`, `"rev":["q","p/2"]`,
		`"del":true`, `"delAgain":false`, `"delMany":2`, `"kv":{"v":1}`, `"kvList":["sync"]`, `"empty":0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("kv: %s\n  lacks %s", body, want)
		}
	}
}

func TestStorageSQL(t *testing.T) {
	a := startApp(t, storeWorker, Options{PersistTo: t.TempDir(), Bindings: []Binding{{Name: "STORE", Class: "Store"}}})
	body := a.get(t, "/sql")
	for _, want := range []string{
		`"written":2`, `"cols":["id","name","data","score"]`, `"rows":[[1,"ann",7,1.5],[2,"bob",null,2]]`,
		`"raw":[["ann"],["bob"]]`, `"one":2`, `"oneErr":"Expected exactly one result from SQL query, but got multiple results."`,
		`SQLITE_ERROR`, `"txErr":"undo"`, `"names":["ann","bob","kept"]`, `"size":true`, `"tagged":{"a":1,"b":"two"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("sql: %s\n  lacks %s", body, want)
		}
	}
	if strings.Contains(body, `"gone"`) {
		t.Errorf("a rolled back transaction kept its put: %s", body)
	}
}

func TestInputGate(t *testing.T) {
	a := startApp(t, storeWorker, Options{Bindings: []Binding{{Name: "STORE", Class: "Store"}}})
	// Request 1 awaits a timer: request 2 runs meanwhile, but each one's
	// storage steps are never split.
	done := make(chan string, 1)
	go func() {
		_, b := a.doH(t, "/gate", "1")
		done <- b
	}()
	time.Sleep(30 * time.Millisecond)
	_, b2 := a.doH(t, "/gate", "2")
	b1 := <-done
	if !strings.Contains(b2, `"log":["start 1","start 2","end 2"]`) || !strings.Contains(b1, `"log":["start 1","start 2","end 2","end 1"]`) {
		t.Fatalf("interleaving at the timer:\n 1: %s\n 2: %s", b1, b2)
	}

	// blockConcurrencyWhile holds the next request back until it is done.
	go func() {
		_, b := a.doH(t, "/block", "")
		done <- b
	}()
	time.Sleep(30 * time.Millisecond)
	if _, b := a.doH(t, "/after-block", ""); !strings.Contains(b, `"blocked":true`) {
		t.Fatalf("request ran inside blockConcurrencyWhile: %s", b)
	}
	<-done
}

func (a *app) doH(t testing.TB, path, n string) (int, string) {
	t.Helper()
	req, _ := newReq(a.srv.URL+path, n)
	return doReq(t, req)
}
