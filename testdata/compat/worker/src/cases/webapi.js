// Web APIs of the Workers runtime: Intl, URLPattern, HTMLRewriter,
// compression and other streams, encodings, fetch's objects, the Cache API.

const when = new Date(Date.UTC(2024, 2, 10, 12, 30, 45)); // a DST switch day in New York

async function text(stream) {
	return new Response(stream).text();
}

export default {
	"intl-number": () => ({
		enUS: (1234567.891).toLocaleString("en-US"),
		deDE: (1234567.891).toLocaleString("de-DE"),
		enIN: (1234567.891).toLocaleString("en-IN"),
		jpy: new Intl.NumberFormat("ja-JP", { style: "currency", currency: "JPY" }).format(4200),
		eur: new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" }).format(1234.5),
		compact: new Intl.NumberFormat("en", { notation: "compact" }).format(1234567),
		percent: new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 }).format(0.4567),
		unit: new Intl.NumberFormat("en", { style: "unit", unit: "kilometer-per-hour" }).format(88),
		bigint: (12345678901234567890n).toLocaleString("en-US"),
	}),
	"intl-date": () => ({
		default: when.toLocaleString(),
		newYork: when.toLocaleString("en-US", { timeZone: "America/New_York" }),
		berlin: when.toLocaleString("de-DE", { timeZone: "Europe/Berlin" }),
		tokyo: new Intl.DateTimeFormat("ja-JP", { dateStyle: "full", timeStyle: "long", timeZone: "Asia/Tokyo" }).format(when),
		dateOnly: when.toLocaleDateString("en-GB", { weekday: "long", year: "numeric", month: "long", day: "numeric" }),
		parts: new Intl.DateTimeFormat("en-US", { timeZone: "Australia/Sydney", hour: "numeric", minute: "numeric", timeZoneName: "short" })
			.formatToParts(when)
			.map((p) => `${p.type}=${p.value}`),
		resolvedTimeZone: new Intl.DateTimeFormat().resolvedOptions().timeZone,
		offset: when.getTimezoneOffset(),
		string: when.toString(),
	}),
	"intl-misc": () => ({
		collateDe: ["Zebra", "Äpfel", "apfel", "Bär"].sort(new Intl.Collator("de").compare),
		collateSv: ["z", "ä", "a", "ö"].sort(new Intl.Collator("sv").compare),
		plural: [0, 1, 2, 5].map((n) => new Intl.PluralRules("ar-EG").select(n)),
		ordinal: [1, 2, 3, 4].map((n) => new Intl.PluralRules("en-US", { type: "ordinal" }).select(n)),
		relative: new Intl.RelativeTimeFormat("en", { numeric: "auto" }).format(-1, "day"),
		relativeEs: new Intl.RelativeTimeFormat("es").format(3, "week"),
		list: new Intl.ListFormat("en", { type: "conjunction" }).format(["tea", "coffee", "milk"]),
		graphemes: [...new Intl.Segmenter("en", { granularity: "grapheme" }).segment("e\u0301👨‍👩‍👧🇫🇷")].map((s) => s.segment),
		words: [...new Intl.Segmenter("ja", { granularity: "word" }).segment("吾輩は猫である")].filter((s) => s.isWordLike).map((s) => s.segment),
		region: new Intl.DisplayNames(["en"], { type: "region" }).of("JP"),
		language: new Intl.DisplayNames(["fr"], { type: "language" }).of("de"),
		locale: new Intl.Locale("en-Latn-US-u-ca-gregory").maximize().toString(),
		upper: "istanbul".toLocaleUpperCase("tr-TR"),
		localeCompare: "a".localeCompare("B", "en", { sensitivity: "base" }),
	}),
	urlpattern: () => {
		const p = new URLPattern({ pathname: "/books/:id(\\d+)/:rest*" });
		const m = p.exec("https://example.com/books/42/chapters/7?x=1");
		const q = new URLPattern("https://*.example.com/api/:version/*");
		return {
			groups: m.pathname.groups,
			matches: p.test("https://example.com/books/abc"),
			host: q.exec("https://eu.example.com/api/v2/users/1").hostname.groups,
			version: q.exec("https://eu.example.com/api/v2/users/1").pathname.groups,
			pathname: p.pathname,
		};
	},
	htmlrewriter: async () => {
		const html = `<html><head><title>Old</title></head><body><a href="/a">A</a><a href="https://x.test/b">B</a><p class="x">one <b>two</b></p><script>var s=1</script></body></html>`;
		const texts = [];
		const res = new HTMLRewriter()
			.on("title", { element: (e) => e.setInnerContent("New & improved") })
			.on("a[href^='/']", { element: (e) => e.setAttribute("href", "/base" + e.getAttribute("href")) })
			.on("p.x", {
				element: (e) => {
					e.before("<hr>", { html: true });
					e.append("!");
				},
				text: (t) => {
					if (t.text) texts.push(t.text);
				},
			})
			.on("script", { element: (e) => e.remove() })
			.onDocument({ end: (end) => end.append("<!-- rewritten -->", { html: true }) })
			.transform(new Response(html, { headers: { "content-type": "text/html" } }));
		return { html: await res.text(), texts };
	},
	"compression-stream": async () => {
		const input = "Workers ".repeat(200) + "✓";
		const out = {};
		for (const format of ["gzip", "deflate", "deflate-raw"]) {
			const compressed = await new Response(new Blob([input]).stream().pipeThrough(new CompressionStream(format))).arrayBuffer();
			const back = await text(new Blob([compressed]).stream().pipeThrough(new DecompressionStream(format)));
			out[format] = { smaller: compressed.byteLength < input.length, roundTrip: back === input };
		}
		// "hello from node\n" gzipped by Node 20 (zlib.gzipSync), decompressed here.
		const fromNode = Uint8Array.from(atob("H4sIAAAAAAAAA8tIzcnJV0grys9VyMtPSeUCAOOdBy0QAAAA"), (c) => c.charCodeAt(0));
		out.fromNode = await text(new Blob([fromNode]).stream().pipeThrough(new DecompressionStream("gzip")));
		return out;
	},
	streams: async () => {
		const upper = new TransformStream({
			transform(chunk, controller) {
				controller.enqueue(chunk.toUpperCase());
			},
		});
		const source = ReadableStream.from(["a", "b", "c"]);
		const chunks = [];
		const reader = source.pipeThrough(upper).getReader();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			chunks.push(value);
		}
		const { readable, writable } = new IdentityTransformStream();
		const w = writable.getWriter();
		w.write(new TextEncoder().encode("identity ")).then(() => w.write(new TextEncoder().encode("stream"))).then(() => w.close());
		let decoded = "";
		for await (const chunk of readable.pipeThrough(new TextDecoderStream())) {
			decoded += chunk;
		}
		const tee = new Response("tee").body.tee();
		return { chunks, decoded, tee: [await text(tee[0]), await text(tee[1])] };
	},
	encoding: () => ({
		btoa: btoa("hello"),
		atob: atob("d29ya2Vycw=="),
		utf8: [...new TextEncoder().encode("é✓")],
		utf16le: new TextDecoder("utf-16le").decode(new Uint8Array([104, 0, 105, 0])),
		latin1: new TextDecoder("latin1").decode(new Uint8Array([0xe9, 0x80])),
		fatal: (() => {
			try {
				new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff]));
				return "decoded";
			} catch (e) {
				return e.name;
			}
		})(),
		uri: encodeURIComponent("a b&c/é"),
	}),
	"fetch-objects": async () => {
		const h = new Headers([["Set-Cookie", "a=1"], ["Set-Cookie", "b=2"], ["X-A", "1"]]);
		h.append("x-a", "2");
		const form = new FormData();
		form.append("name", "valet");
		form.append("file", new Blob(["content"], { type: "text/plain" }), "a.txt");
		const req = new Request("https://example.com/p?q=1", { method: "POST", body: form });
		const parsed = await req.formData();
		const json = Response.json({ a: 1 }, { status: 201 });
		return {
			setCookie: h.getSetCookie(),
			xa: h.get("x-a"),
			form: [parsed.get("name"), parsed.get("file").name, await parsed.get("file").text()],
			contentType: req.headers.get("content-type").split(";")[0],
			json: [json.status, json.headers.get("content-type"), await json.json()],
			redirect: Response.redirect("https://example.com/x", 301).headers.get("location"),
			url: Object.fromEntries(new URL("https://u:p@example.com:8080/a/../b?x=1&y=2#h").searchParams),
			canParse: [URL.canParse("nope"), URL.canParse("/x", "https://a.test")],
			blob: await new Blob(["ab", new Uint8Array([99])]).text(),
		};
	},
	"structured-clone": () => {
		const src = { d: new Date(0), m: new Map([[1, { s: new Set([1, 2]) }]]), r: /x/gi, big: 10n, nested: [1, [2, [3]]] };
		src.self = src;
		const c = structuredClone(src);
		let err = "";
		try {
			structuredClone({ f() {} });
		} catch (e) {
			err = e.name;
		}
		return {
			date: c.d.toISOString(),
			set: [...c.m.get(1).s],
			regex: c.r.flags,
			big: String(c.big),
			cycle: c.self === c,
			distinct: c !== src,
			functionError: err,
		};
	},
	timers: async () => {
		const order = [];
		await new Promise((resolve) => setTimeout(() => (order.push("timeout"), resolve()), 1));
		queueMicrotask(() => order.push("microtask"));
		await scheduler.wait(1);
		const signal = AbortSignal.timeout(1);
		await new Promise((resolve) => signal.addEventListener("abort", resolve));
		const any = AbortSignal.any([AbortSignal.abort("why"), new AbortController().signal]);
		return { order, timedOut: signal.reason.name, anyReason: any.reason };
	},
	"cache-api": async () => {
		const base = "https://compat.test/cache/";
		const put = (cache, path, body, headers = {}, status = 200) =>
			cache.put(base + path, new Response(body, { status, headers: { "cache-control": "max-age=600", ...headers } }));
		const show = async (res) => (res ? `${res.status} ${await res.text()}` : null);
		const named = await caches.open("compat");
		const cache = caches.default;
		await put(cache, "a", "default a", { etag: '"v1"', "content-type": "text/plain" });
		await put(named, "a", "named a");
		await put(cache, "no-store", "x", { "cache-control": "no-store" });
		await put(cache, "private", "x", { "cache-control": "private, max-age=600" });
		await put(cache, "cookie", "x", { "set-cookie": "a=1" });
		await put(cache, "cookie-private", "kept", { "set-cookie": "a=1", "cache-control": "private=Set-Cookie, max-age=600" });
		await put(cache, "s-maxage", "shared", { "cache-control": "max-age=0, s-maxage=600" });
		await put(cache, "error", "boom", { "cache-control": "" }, 500);
		const hit = await cache.match(base + "a");
		const cookie = await cache.match(base + "cookie-private");
		let post = "";
		try {
			await cache.put(new Request(base + "post", { method: "POST" }), new Response("x"));
		} catch (e) {
			post = `${e.name}: ${e.message}`;
		}
		return {
			hit: await show(hit),
			hitHeaders: [hit.headers.get("cf-cache-status"), hit.headers.get("content-type"), hit.headers.get("etag")],
			named: await show(await named.match(base + "a")),
			missing: await show(await cache.match(base + "missing")),
			noStore: await show(await cache.match(base + "no-store")),
			private: await show(await cache.match(base + "private")),
			setCookie: await show(await cache.match(base + "cookie")),
			cookiePrivate: [await show(cookie), cookie?.headers.has("set-cookie") ?? null],
			sMaxage: await show(await cache.match(base + "s-maxage")),
			error500: await show(await cache.match(base + "error")),
			notModified: await show(await cache.match(new Request(base + "a", { headers: { "if-none-match": '"v1"' } }))),
			range: await show(await cache.match(new Request(base + "a", { headers: { range: "bytes=0-3" } }))),
			post,
			matchPost: await show(await cache.match(new Request(base + "a", { method: "POST" }))),
			ignoreMethod: await show(await cache.match(new Request(base + "a", { method: "POST" }), { ignoreMethod: true })),
			deleted: await cache.delete(base + "a"),
			deletedAgain: await cache.delete(base + "a"),
			afterDelete: await show(await cache.match(base + "a")),
			namedAfterDelete: await show(await named.match(base + "a")),
			defaultIsCache: caches.default instanceof Cache,
		};
	},
	"websocket-pair": async () => {
		const [client, server] = Object.values(new WebSocketPair());
		server.accept();
		client.accept();
		const got = new Promise((resolve) => server.addEventListener("message", (e) => resolve(e.data)));
		client.send("ping");
		const closed = new Promise((resolve) => client.addEventListener("close", (e) => resolve([e.code, e.reason])));
		const message = await got;
		server.close(1000, "bye");
		return { message, closed: await closed };
	},
	navigator: () => ({ userAgent: navigator.userAgent, language: navigator.language ?? null, cpus: navigator.hardwareConcurrency }),
};
