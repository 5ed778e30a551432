// no_bundle: shipped as written; its imports are modules of their own.
import { shout } from "./lib/shout.js";
import text from "./data/hello.txt";
import wasm from "./data/add.wasm";

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/text") return new Response(shout(text));
    if (pathname === "/wasm") return Response.json(new WebAssembly.Instance(wasm).exports.add(40, 2));
    if (pathname === "/lazy") return new Response((await import("./lib/lazy.js")).default);
    if (pathname === "/unbundled") return new Response(String(typeof __name === "undefined"));
    return new Response("no such route", { status: 404 });
  },
};
