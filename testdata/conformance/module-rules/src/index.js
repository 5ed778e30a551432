// Imports of each module type wrangler's default rules give a type to.
import text from "./data/hello.txt";
import html from "./data/page.html";
import sql from "./data/query.sql";
import bin from "./data/blob.bin";
import wasm from "./data/add.wasm";
import wasmModule from "./data/add.wasm?module";
import { describe } from "./describe.js";

const routes = {
  "/text": () => text,
  "/html": () => html,
  "/sql": () => sql,
  "/bin": () => bin,
  "/wasm": () => wasm,
  "/wasm-module": () => wasmModule,
  "/wasm-same": () => wasm === wasmModule,
};

export default {
  async fetch(request) {
    const route = routes[new URL(request.url).pathname];
    if (!route) return new Response("no such route", { status: 404 });
    return Response.json(describe(await route()));
  },
};
