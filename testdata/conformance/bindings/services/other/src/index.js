import { WorkerEntrypoint, RpcTarget } from "cloudflare:workers";

class Counter extends RpcTarget {
  #n;
  constructor(n) {
    super();
    this.#n = n;
  }
  add(k) {
    this.#n += k;
  }
  value() {
    return this.#n;
  }
}

export class Greeter extends WorkerEntrypoint {
  version = "v1";
  echo(v) {
    return v;
  }
  kinds() {
    return { s: "s", n: 1, b: true, d: new Date(0), m: new Map([[1, 2]]), u: new Uint8Array([1]), nil: null, undef: undefined };
  }
  fail(why) {
    throw new RangeError("failed because " + why);
  }
  counter(n) {
    return new Counter(n);
  }
  async call(fn, x) {
    return await fn(x);
  }
  vars() {
    return { ROLE: this.env.ROLE };
  }
  fetch(req) {
    return new Response("named entrypoint " + new URL(req.url).pathname);
  }
}

export default class extends WorkerEntrypoint {
  async fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === "/throw") throw new Error("the other worker threw");
    const body = req.method === "GET" || req.method === "HEAD" ? "" : await req.text();
    return new Response(`${req.method} ${url.href} ${req.headers.get("x-test")} ${body}`, { headers: { "x-seen": "other" } });
  }
  add(a, b) {
    return a + b;
  }
}
