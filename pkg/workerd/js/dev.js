// valet dev's wrapper of the app's default export, after wrangler dev's
// middleware (templates/middleware: loader-modules, miniflare3-json-error,
// scheduled), written for valet:
// - an exception out of fetch becomes a 500 carrying the error as JSON
//   (MF-Experimental-Error-Stack, as wrangler's), which valet's dev server
//   turns into its error page with the stack mapped to the sources;
// - with --test-scheduled, GET /__scheduled?cron= runs the scheduled handler
//   with a controller as wrangler's ({scheduledTime: now, cron, noRetry});
// - exceptions no caller sees (a rejected waitUntil, a throwing scheduled,
//   queue or email handler) are written with their stack to console.error,
//   which valet shows in its log.
// Both shapes of default export keep working: an ExportedHandler object
// and a WorkerEntrypoint class (whose RPC methods stay reachable).

const ERROR_HEADER = "MF-Experimental-Error-Stack";

// Handlers an ExportedHandler may have besides fetch.
const HANDLERS = ["scheduled", "queue", "email", "tail", "tailStream", "trace", "test"];

function reduceError(e) {
  return {
    name: e?.name,
    message: e?.message ?? String(e),
    stack: e?.stack,
    cause: e?.cause === undefined ? undefined : reduceError(e.cause),
  };
}

function errorResponse(e) {
  const body = JSON.stringify(reduceError(e));
  const headers = { "Content-Type": "application/json", [ERROR_HEADER]: "true" };
  // workerd drops the body of an answer to HEAD: the error rides in a
  // header too, while it is small enough for one.
  const encoded = encodeURIComponent(body);
  if (encoded.length <= 8192) headers[ERROR_HEADER + "-Payload"] = encoded;
  return new Response(body, { status: 500, headers });
}

function report(e, what) {
  console.error(what, e);
}

// watch makes a rejected waitUntil promise visible: workerd logs nothing
// for it. The rejection still reaches workerd as before.
function watch(ctx) {
  if (!ctx || typeof ctx.waitUntil !== "function") return ctx;
  const waitUntil = ctx.waitUntil;
  try {
    ctx.waitUntil = (p) =>
      waitUntil.call(
        ctx,
        Promise.resolve(p).catch((e) => {
          report(e, "Uncaught (in promise)");
          throw e;
        }),
      );
  } catch {}
  return ctx;
}

function controller(url) {
  return {
    scheduledTime: Date.now(),
    cron: url.searchParams.get("cron") ?? "",
    noRetry() {},
  };
}

async function runScheduled(scheduled) {
  if (typeof scheduled !== "function") throw new Error("Handler does not export a scheduled() function.");
  await scheduled();
  return new Response("Ran scheduled event");
}

function wrapHandler(worker, options) {
  const out = { ...worker };
  // Handlers may live on a prototype (an instance of a class): copy them
  // too, bound to the object they belong to.
  for (const name of ["fetch", ...HANDLERS]) {
    if (!(name in out) && typeof worker[name] === "function") out[name] = worker[name].bind(worker);
  }
  for (const name of HANDLERS) {
    const h = out[name];
    if (typeof h !== "function") continue;
    out[name] = async (event, env, ctx) => {
      try {
        return await h.call(worker, event, env, watch(ctx));
      } catch (e) {
        report(e, "Uncaught");
        throw e;
      }
    };
  }
  const fetch = out.fetch;
  out.fetch = async (request, env, ctx) => {
    try {
      if (options.testScheduled) {
        const url = new URL(request.url);
        if (url.pathname === "/__scheduled") {
          return await runScheduled(worker.scheduled && (() => worker.scheduled(controller(url), env, ctx)));
        }
      }
      if (typeof fetch !== "function") throw new Error("Handler does not export a fetch() function.");
      return await fetch.call(worker, request, env, watch(ctx));
    } catch (e) {
      return errorResponse(e);
    }
  };
  return out;
}

function wrapEntrypoint(Klass, options) {
  // Extending the class keeps its RPC methods and its other handlers. The
  // subclass is anonymous (made and returned without a name V8 could infer),
  // so that stacks name the app's class ("App.fetch"), not the wrapper.
  const Dev = ((K) => class extends K {
    constructor(ctx, env) {
      super(ctx, env);
      watch(ctx);
    }
    async fetch(request) {
      try {
        if (options.testScheduled) {
          const url = new URL(request.url);
          if (url.pathname === "/__scheduled") {
            const scheduled = super.scheduled;
            return await runScheduled(scheduled && (() => scheduled.call(this, controller(url))));
          }
        }
        if (typeof super.fetch !== "function") throw new Error("Entrypoint class does not define a fetch() function.");
        return await super.fetch(request);
      } catch (e) {
        return errorResponse(e);
      }
    }
  })(Klass);
  for (const name of HANDLERS) {
    const h = Klass.prototype[name];
    if (typeof h !== "function") continue;
    Object.defineProperty(Dev.prototype, name, {
      value: async function (...args) {
        try {
          return await h.apply(this, args);
        } catch (e) {
          report(e, "Uncaught");
          throw e;
        }
      },
      writable: true,
      configurable: true,
    });
  }
  Object.defineProperty(Dev, "name", { value: Klass.name });
  return Dev;
}

// wrapDefault wraps the app's default export for dev; anything else is
// left as it is.
export function wrapDefault(entry, options = {}) {
  if (typeof entry === "function") return wrapEntrypoint(entry, options);
  if (entry !== null && typeof entry === "object") return wrapHandler(entry, options);
  return entry;
}
