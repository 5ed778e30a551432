// find_additional_modules: modules the bundle does not see, found by the
// rules and loaded at run time.
import greeting from "./cjs/greet.cjs";
import { describe } from "./describe.js";

async function lang(name) {
  // A path esbuild cannot follow: the module must ship on its own.
  const path = "./lang/" + name + ".js";
  return (await import(path)).default;
}

const routes = {
  "/lang/en": () => lang("en"),
  "/lang/fr": () => lang("fr"),
  "/lang/xx": () => lang("xx").catch((e) => "no module: " + e.message.split("\n")[0].replace(/ from .*/, "")),
  "/cjs": () => greeting("valet"),
  "/text": async () => (await import("./data/" + "hello.txt")).default,
  "/html": async () => (await import("./data/" + "page.html")).default,
  "/wasm": async () => (await import("./data/" + "add.wasm")).default,
};

export default {
  async fetch(request) {
    const route = routes[new URL(request.url).pathname];
    if (!route) return new Response("no such route", { status: 404 });
    return Response.json(describe(await route()));
  },
};
