// Exercises every KV call a worker makes and answers what each returned,
// so that valet dev's answers can be compared with wrangler dev's. Values
// that differ from run to run (expirations computed from now, cursors)
// are reported by shape, not by value.

// A fixed absolute expiration, far in the future (KV takes int32 seconds).
const EXPIRATION = 2000000000; // 2033-05-18

async function step(out, name, fn) {
  try {
    out.push([name, await fn()]);
  } catch (e) {
    out.push([name, { error: String(e && e.message), name: e && e.name }]);
  }
}

// A listed key, with an expiration from a TTL reported as how far off it is.
function listed(keys, now) {
  return keys.map((k) => {
    const o = { name: k.name };
    if ("metadata" in k) o.metadata = k.metadata;
    if (k.expiration === EXPIRATION) o.expiration = k.expiration;
    else if (k.expiration !== undefined) o.expirationFromNow = Math.round((k.expiration - now) / 60) * 60;
    return o;
  });
}

function page(r, now) {
  return {
    keys: listed(r.keys, now),
    list_complete: r.list_complete,
    cursor: r.cursor === undefined ? "absent" : typeof r.cursor,
    cacheStatus: r.cacheStatus ?? null,
  };
}

async function run(env) {
  const out = [];
  const now = Date.now() / 1000;
  const KV = env.KV;
  await step(out, "get missing text", () => KV.get("missing"));
  await step(out, "get missing json", () => KV.get("missing", "json"));
  await step(out, "getWithMetadata missing", () => KV.getWithMetadata("missing"));
  await step(out, "put text", () => KV.put("text", "hello world"));
  await step(out, "get text", () => KV.get("text"));
  await step(out, "get text type option", () => KV.get("text", { type: "text" }));
  await step(out, "put json", () => KV.put("json", JSON.stringify({ a: 1, b: [true, null, "x"] })));
  await step(out, "get json", () => KV.get("json", "json"));
  await step(out, "get json as text", () => KV.get("json", { type: "text" }));
  await step(out, "get text as json fails", () => KV.get("text", "json"));
  await step(out, "put binary", () => KV.put("bin", new Uint8Array([0, 1, 2, 250, 255]).buffer));
  await step(out, "get arrayBuffer", async () => Array.from(new Uint8Array(await KV.get("bin", "arrayBuffer"))));
  await step(out, "get stream", async () => {
    const s = await KV.get("text", "stream");
    return { isStream: s instanceof ReadableStream, text: await new Response(s).text() };
  });
  await step(out, "put from stream", async () => {
    const { readable, writable } = new FixedLengthStream(5);
    const w = writable.getWriter();
    w.write(new TextEncoder().encode("strea"));
    w.close();
    await KV.put("fromstream", readable);
    return KV.get("fromstream");
  });
  await step(out, "put big value", () => KV.put("big", "x".repeat(100_000)));
  await step(out, "get big value", async () => (await KV.get("big")).length);
  await step(out, "put with metadata", () => KV.put("meta", "v", { metadata: { owner: "me", n: 2, nested: { ok: true } } }));
  await step(out, "getWithMetadata", () => KV.getWithMetadata("meta"));
  await step(out, "getWithMetadata json", () => KV.getWithMetadata("json", "json"));
  await step(out, "getWithMetadata arrayBuffer", async () => {
    const r = await KV.getWithMetadata("meta", { type: "arrayBuffer" });
    return { value: Array.from(new Uint8Array(r.value)), metadata: r.metadata };
  });
  await step(out, "getWithMetadata no metadata", () => KV.getWithMetadata("text"));
  await step(out, "put expiration", () => KV.put("exp", "e", { expiration: EXPIRATION }));
  await step(out, "put expirationTtl", () => KV.put("ttl", "t", { expirationTtl: 3600, metadata: "m" }));
  await step(out, "get ttl", () => KV.get("ttl"));
  await step(out, "put expirationTtl too small", () => KV.put("bad", "b", { expirationTtl: 10 }));
  await step(out, "put expiration in the past", () => KV.put("bad", "b", { expiration: 1000 }));
  await step(out, "put expiration not a number", () => KV.put("bad", "b", { expiration: "soon" }));
  await step(out, "put empty key", () => KV.put("", "b"));
  await step(out, "put key too long", () => KV.put("k".repeat(513), "b"));
  await step(out, "get key too long", () => KV.get("k".repeat(513)));
  await step(out, "put metadata too large", () => KV.put("m", "b", { metadata: { s: "x".repeat(1100) } }));
  await step(out, "put dot key", () => KV.put(".", "dot"));
  await step(out, "put unicode key", () => KV.put("clé/ü/🙂", "unicode"));
  await step(out, "get unicode key", () => KV.get("clé/ü/🙂"));
  await step(out, "same namespace by id", () => env.SAME.get("text"));
  await step(out, "other namespace is empty", () => env.OTHER.get("text"));
  await step(out, "put in other", () => env.OTHER.put("only-other", "o"));
  await step(out, "list other", async () => page(await env.OTHER.list(), now));
  await step(out, "list all", async () => page(await KV.list(), now));
  await step(out, "list prefix", async () => {
    for (const k of ["p/a", "p/b", "p/c", "p/d", "p/e", "q/a"]) await KV.put(k, k, { metadata: { k } });
    return page(await KV.list({ prefix: "p/" }), now);
  });
  await step(out, "list prefix none", async () => page(await KV.list({ prefix: "nothing/" }), now));
  await step(out, "list limit and cursor", async () => {
    const pages = [];
    let cursor;
    for (let i = 0; i < 5; i++) {
      const r = await KV.list({ prefix: "p/", limit: 2, cursor });
      pages.push(page(r, now));
      if (r.list_complete) break;
      cursor = r.cursor;
    }
    return pages;
  });
  await step(out, "list limit 0", async () => page(await KV.list({ limit: 0 }), now));
  await step(out, "list limit 1001", async () => page(await KV.list({ limit: 1001 }), now));
  await step(out, "list bad cursor", async () => page(await KV.list({ cursor: "not-a-cursor" }), now));
  await step(out, "bulk get text", async () => Object.fromEntries(await KV.get(["text", "json", "missing"])));
  await step(out, "bulk get json", async () => Object.fromEntries(await KV.get(["json", "missing"], "json")));
  await step(out, "bulk get json fails on text", async () => Object.fromEntries(await KV.get(["json", "text"], { type: "json" })));
  await step(out, "bulk getWithMetadata", async () => Object.fromEntries(await KV.getWithMetadata(["meta", "text", "missing"])));
  await step(out, "bulk get arrayBuffer refused", async () => Object.fromEntries(await KV.get(["text"], "arrayBuffer")));
  await step(out, "bulk get empty", async () => Object.fromEntries(await KV.get([])));
  await step(out, "bulk get 101 keys", async () => (await KV.get(Array.from({ length: 101 }, (_, i) => "k" + i))).size);
  await step(out, "delete", () => KV.delete("text"));
  await step(out, "get deleted", () => KV.get("text"));
  await step(out, "delete missing", () => KV.delete("missing"));
  await step(out, "list after delete", async () => page(await KV.list(), now));
  return out;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/run") return Response.json(await run(env));
    // What /run left behind: a second process (a restart, a redeploy) sees it.
    if (url.pathname === "/check") {
      return Response.json({ meta: await env.KV.getWithMetadata("meta"), keys: (await env.KV.list()).keys.length });
    }
    return new Response("not found", { status: 404 });
  },
};
