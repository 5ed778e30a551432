// Exercises every R2 call a worker makes and answers what each returned,
// so that valet dev's answers can be compared with wrangler dev's. Upload
// times, versions and upload ids differ from run to run: they are reported
// by shape, not by value.

async function step(out, name, fn) {
  try {
    out.push([name, await fn()]);
  } catch (e) {
    out.push([name, { error: String(e && e.message), name: e && e.name }]);
  }
}

const started = Date.now();

// An R2Object as plain data, with the run-dependent fields checked.
function object(o) {
  if (o === null || o === undefined) return o;
  const r = {
    key: o.key,
    size: o.size,
    etag: o.etag,
    httpEtag: o.httpEtag,
    version: /^[0-9a-f]{32}$/.test(o.version) ? "hex32" : o.version,
    uploadedRecently: o.uploaded instanceof Date && o.uploaded.getTime() >= started - 1000 && o.uploaded.getTime() <= Date.now() + 1000,
    httpMetadata: o.httpMetadata,
    customMetadata: o.customMetadata,
    range: o.range,
    checksums: o.checksums.toJSON(),
    storageClass: o.storageClass,
    hasBody: "body" in o,
  };
  const h = new Headers();
  o.writeHttpMetadata(h);
  r.writtenHeaders = Object.fromEntries(h);
  return r;
}

async function body(o) {
  if (o === null || !("body" in o)) return object(o);
  return { ...object(o), text: await o.text(), bodyUsed: o.bodyUsed };
}

function listing(l) {
  return {
    objects: l.objects.map(object),
    truncated: l.truncated,
    cursor: l.cursor === undefined ? "absent" : typeof l.cursor,
    delimitedPrefixes: l.delimitedPrefixes,
  };
}

async function run(env) {
  const out = [];
  const B = env.BUCKET;
  await step(out, "head missing", () => B.head("missing"));
  await step(out, "get missing", () => B.get("missing"));
  await step(out, "put text", async () => object(await B.put("hello.txt", "hello world")));
  await step(out, "get text", async () => body(await B.get("hello.txt")));
  await step(out, "get arrayBuffer", async () => Array.from(new Uint8Array(await (await B.get("hello.txt")).arrayBuffer())));
  await step(out, "get json", async () => {
    await B.put("data.json", JSON.stringify({ a: [1, 2] }));
    return (await B.get("data.json")).json();
  });
  await step(out, "get blob", async () => {
    const b = await (await B.get("hello.txt")).blob();
    return { size: b.size, type: b.type };
  });
  await step(out, "get stream", async () => {
    const o = await B.get("hello.txt");
    return { isStream: o.body instanceof ReadableStream, text: await new Response(o.body).text() };
  });
  await step(out, "head", async () => object(await B.head("hello.txt")));
  await step(out, "put http and custom metadata", async () =>
    object(
      await B.put("meta.html", "<p>hi</p>", {
        httpMetadata: {
          contentType: "text/html; charset=utf-8",
          contentLanguage: "en-GB",
          contentDisposition: 'inline; filename="meta.html"',
          contentEncoding: "identity",
          cacheControl: "public, max-age=60",
          cacheExpiry: new Date("2030-01-02T03:04:05Z"),
        },
        customMetadata: { owner: "me", "x-y": "z", empty: "" },
      })
    )
  );
  await step(out, "put metadata from Headers", async () =>
    object(await B.put("headers.txt", "h", { httpMetadata: new Headers({ "content-type": "text/plain", "cache-control": "no-store", "x-other": "dropped" }) }))
  );
  await step(out, "get metadata", async () => body(await B.get("meta.html")));
  await step(out, "put ArrayBuffer", async () => object(await B.put("bin", new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).buffer)));
  await step(out, "put stream", async () => {
    const { readable, writable } = new FixedLengthStream(6);
    const w = writable.getWriter();
    w.write(new TextEncoder().encode("stream"));
    w.close();
    return object(await B.put("stream.txt", readable));
  });
  await step(out, "put null", async () => object(await B.put("empty", null)));
  await step(out, "get empty", async () => body(await B.get("empty")));
  await step(out, "put md5 right", async () => object(await B.put("md5", "hello world", { md5: "5eb63bbbe01eeed093cb22bb8f5acdc3" })));
  await step(out, "put md5 wrong", async () => object(await B.put("md5", "hello world", { md5: "00000000000000000000000000000000" })));
  await step(out, "put sha1", async () => object(await B.put("sha1", "hello world", { sha1: "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed" })));
  await step(out, "put sha256", async () => object(await B.put("sha256", "hello world", { sha256: "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9" })));
  await step(out, "put sha256 wrong", async () => object(await B.put("sha256", "hello world", { sha256: "00".repeat(32) })));
  await step(out, "put key too long", async () => object(await B.put("k".repeat(1025), "x")));
  await step(out, "put metadata too large", async () => object(await B.put("big-meta", "x", { customMetadata: { k: "v".repeat(2100) } })));
  await step(out, "range offset length", async () => body(await B.get("bin", { range: { offset: 2, length: 3 } })));
  await step(out, "range offset only", async () => body(await B.get("bin", { range: { offset: 7 } })));
  await step(out, "range length only", async () => body(await B.get("bin", { range: { length: 4 } })));
  await step(out, "range suffix", async () => body(await B.get("bin", { range: { suffix: 3 } })));
  await step(out, "range suffix larger than object", async () => body(await B.get("bin", { range: { suffix: 100 } })));
  await step(out, "range past the end", async () => body(await B.get("bin", { range: { offset: 20, length: 2 } })));
  await step(out, "range length past the end", async () => body(await B.get("bin", { range: { offset: 8, length: 10 } })));
  await step(out, "range header", async () => body(await B.get("hello.txt", { range: new Headers({ range: "bytes=0-4" }) })));
  await step(out, "range header open end", async () => body(await B.get("hello.txt", { range: new Headers({ range: "bytes=6-" }) })));
  await step(out, "range header suffix", async () => body(await B.get("hello.txt", { range: new Headers({ range: "bytes=-5" }) })));
  await step(out, "range header several", async () => body(await B.get("hello.txt", { range: new Headers({ range: "bytes=0-1, 3-4" }) })));
  await step(out, "range header unsatisfiable", async () => body(await B.get("hello.txt", { range: new Headers({ range: "bytes=50-60" }) })));
  await step(out, "range header bad unit", async () => body(await B.get("hello.txt", { range: new Headers({ range: "items=0-1" }) })));
  const etag = (await B.head("hello.txt")).etag;
  await step(out, "onlyIf etagMatches hit", async () => body(await B.get("hello.txt", { onlyIf: { etagMatches: etag } })));
  await step(out, "onlyIf etagMatches miss", async () => body(await B.get("hello.txt", { onlyIf: { etagMatches: "nope" } })));
  await step(out, "onlyIf etagDoesNotMatch hit", async () => body(await B.get("hello.txt", { onlyIf: { etagDoesNotMatch: etag } })));
  await step(out, "onlyIf etagDoesNotMatch miss", async () => body(await B.get("hello.txt", { onlyIf: { etagDoesNotMatch: "nope" } })));
  await step(out, "onlyIf uploadedBefore past", async () => body(await B.get("hello.txt", { onlyIf: { uploadedBefore: new Date(0) } })));
  await step(out, "onlyIf uploadedBefore future", async () => body(await B.get("hello.txt", { onlyIf: { uploadedBefore: new Date(Date.now() + 86400000) } })));
  await step(out, "onlyIf uploadedAfter future", async () => body(await B.get("hello.txt", { onlyIf: { uploadedAfter: new Date(Date.now() + 86400000) } })));
  await step(out, "onlyIf uploadedAfter past", async () => body(await B.get("hello.txt", { onlyIf: { uploadedAfter: new Date(0) } })));
  await step(out, "onlyIf If-None-Match header", async () => body(await B.get("hello.txt", { onlyIf: new Headers({ "if-none-match": `"${etag}"` }) })));
  await step(out, "onlyIf If-Match header", async () => body(await B.get("hello.txt", { onlyIf: new Headers({ "if-match": `"${etag}"` }) })));
  await step(out, "onlyIf If-Match wildcard", async () => body(await B.get("hello.txt", { onlyIf: new Headers({ "if-match": "*" }) })));
  await step(out, "onlyIf If-Modified-Since", async () => body(await B.get("hello.txt", { onlyIf: new Headers({ "if-modified-since": new Date(Date.now() + 86400000).toUTCString() }) })));
  await step(out, "onlyIf If-Unmodified-Since", async () => body(await B.get("hello.txt", { onlyIf: new Headers({ "if-unmodified-since": new Date(0).toUTCString() }) })));
  await step(out, "onlyIf If-Match and If-Unmodified-Since", async () =>
    body(await B.get("hello.txt", { onlyIf: new Headers({ "if-match": `"${etag}"`, "if-unmodified-since": new Date(0).toUTCString() }) })));
  await step(out, "put onlyIf etagMatches miss", async () => object(await B.put("hello.txt", "replaced", { onlyIf: { etagMatches: "nope" } })));
  await step(out, "put onlyIf etagDoesNotMatch wildcard on existing", async () => object(await B.put("hello.txt", "replaced", { onlyIf: { etagDoesNotMatch: "*" } })));
  await step(out, "put onlyIf etagDoesNotMatch wildcard on new", async () => object(await B.put("new.txt", "created", { onlyIf: { etagDoesNotMatch: "*" } })));
  await step(out, "put onlyIf etagMatches on missing", async () => object(await B.put("missing2", "x", { onlyIf: { etagMatches: etag } })));
  await step(out, "put onlyIf etagMatches hit", async () => object(await B.put("hello.txt", "hello again", { onlyIf: { etagMatches: etag } })));
  await step(out, "get after conditional put", async () => body(await B.get("hello.txt")));
  await step(out, "list", async () => listing(await B.list()));
  await step(out, "list prefix and delimiter", async () => {
    for (const k of ["dir/a.txt", "dir/b.txt", "dir/sub/c.txt", "dir/sub/d.txt", "dir/sub2/e.txt", "dir2/f.txt", "other/g"]) await B.put(k, k);
    return listing(await B.list({ prefix: "dir/", delimiter: "/" }));
  });
  await step(out, "list delimiter only", async () => listing(await B.list({ delimiter: "/" })));
  await step(out, "list delimiter pages", async () => {
    const pages = [];
    let cursor;
    for (let i = 0; i < 10; i++) {
      const l = await B.list({ prefix: "dir", delimiter: "/", limit: 2, cursor });
      pages.push(listing(l));
      if (!l.truncated) break;
      cursor = l.cursor;
    }
    return pages;
  });
  await step(out, "list limit and cursor", async () => {
    const pages = [];
    let cursor;
    for (let i = 0; i < 10; i++) {
      const l = await B.list({ prefix: "dir/", limit: 2, cursor });
      pages.push(listing(l));
      if (!l.truncated) break;
      cursor = l.cursor;
    }
    return pages;
  });
  await step(out, "list startAfter", async () => listing(await B.list({ prefix: "dir/", startAfter: "dir/b.txt" })));
  await step(out, "list include", async () => listing(await B.list({ prefix: "meta", include: ["httpMetadata", "customMetadata"] })));
  await step(out, "list include http only", async () => listing(await B.list({ prefix: "meta", include: ["httpMetadata"] })));
  await step(out, "list limit 0", async () => listing(await B.list({ limit: 0 })));
  await step(out, "list limit 1001", async () => listing(await B.list({ limit: 1001 })));
  await step(out, "delete one", () => B.delete("bin"));
  await step(out, "head deleted", () => B.head("bin"));
  await step(out, "delete many", () => B.delete(["dir/a.txt", "dir/b.txt", "missing"]));
  await step(out, "list after delete", async () => listing(await B.list({ prefix: "dir/" })));
  await step(out, "other bucket is separate", async () => listing(await env.OTHER.list()));

  // Multipart: parts of 5 MiB (R2's minimum but for the last).
  const MiB = 1024 * 1024;
  const part = (n, size) => new Uint8Array(size).fill(n);
  await step(out, "multipart", async () => {
    const up = await B.createMultipartUpload("multi.bin", { httpMetadata: { contentType: "application/octet-stream" }, customMetadata: { parts: "3" } });
    const r = { key: up.key, uploadId: typeof up.uploadId };
    const p1 = await up.uploadPart(1, part(1, 5 * MiB));
    const p3 = await up.uploadPart(3, part(3, 1000));
    const p2 = await up.uploadPart(2, part(2, 5 * MiB));
    r.partNumbers = [p1.partNumber, p2.partNumber, p3.partNumber];
    r.etagType = typeof p1.etag;
    r.completed = object(await up.complete([p1, p2, p3]));
    const whole = await B.get("multi.bin");
    const bytes = new Uint8Array(await whole.arrayBuffer());
    r.get = { ...object(whole), length: bytes.length, first: bytes[0], middle: bytes[5 * MiB], last: bytes[bytes.length - 1] };
    const ranged = await B.get("multi.bin", { range: { offset: 5 * MiB - 2, length: 4 } });
    r.rangeAcrossParts = Array.from(new Uint8Array(await ranged.arrayBuffer()));
    const tail = await B.get("multi.bin", { range: { suffix: 3 } });
    r.suffix = Array.from(new Uint8Array(await tail.arrayBuffer()));
    return r;
  });
  await step(out, "multipart resume", async () => {
    const up = await B.createMultipartUpload("resumed.bin");
    const p1 = await up.uploadPart(1, "first part is too small");
    const again = B.resumeMultipartUpload("resumed.bin", up.uploadId);
    const p2 = await again.uploadPart(2, "second");
    try {
      await again.complete([p1, p2]);
      return "completed";
    } catch (e) {
      return { error: e.message };
    }
  });
  await step(out, "multipart single small part", async () => {
    const up = await B.createMultipartUpload("single.bin");
    const p1 = await up.uploadPart(1, "only part");
    return body(await up.complete([p1]));
  });
  await step(out, "multipart wrong etag", async () => {
    const up = await B.createMultipartUpload("wrong.bin");
    await up.uploadPart(1, "x");
    try {
      await up.complete([{ partNumber: 1, etag: "nope" }]);
      return "completed";
    } catch (e) {
      return { error: e.message };
    }
  });
  await step(out, "multipart unequal parts", async () => {
    const up = await B.createMultipartUpload("unequal.bin");
    const p1 = await up.uploadPart(1, part(1, 5 * MiB));
    const p2 = await up.uploadPart(2, part(2, 5 * MiB + 1));
    try {
      await up.complete([p1, p2]);
      return "completed";
    } catch (e) {
      return { error: e.message };
    }
  });
  await step(out, "multipart abort", async () => {
    const up = await B.createMultipartUpload("aborted.bin");
    await up.uploadPart(1, "x");
    await up.abort();
    const r = { head: await B.head("aborted.bin") };
    try {
      await up.uploadPart(2, "y");
      r.afterAbort = "uploaded";
    } catch (e) {
      r.afterAbort = e.message;
    }
    try {
      await up.abort();
      r.abortAgain = "ok";
    } catch (e) {
      r.abortAgain = e.message;
    }
    return r;
  });
  await step(out, "multipart complete twice", async () => {
    const up = await B.createMultipartUpload("twice.bin");
    const p1 = await up.uploadPart(1, "x");
    await up.complete([p1]);
    try {
      await up.complete([p1]);
      return "completed";
    } catch (e) {
      return { error: e.message };
    }
  });
  await step(out, "multipart unknown upload", async () => {
    const up = B.resumeMultipartUpload("ghost.bin", "no-such-upload");
    try {
      await up.uploadPart(1, "x");
      return "uploaded";
    } catch (e) {
      return { error: e.message };
    }
  });
  await step(out, "overwrite multipart with put", async () => object(await B.put("multi.bin", "small now")));
  await step(out, "final list", async () => listing(await B.list()));
  return out;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/run") return Response.json(await run(env));
    if (url.pathname === "/check") {
      const o = await env.BUCKET.get("meta.html");
      return Response.json({ text: o && (await o.text()), custom: o && o.customMetadata, count: (await env.BUCKET.list()).objects.length });
    }
    return new Response("not found", { status: 404 });
  },
};
