// valet's stand-in for a worker a service binding names that is not
// running (not among the configs of this valet dev): its fetch answers,
// and any RPC call throws, what wrangler dev's do in that case.
import { WorkerEntrypoint } from "cloudflare:workers";

const MESSAGE = __MESSAGE__;

function fail() {
  throw new Error(MESSAGE);
}

export default class Missing extends WorkerEntrypoint {
  fetch() {
    return new Response(MESSAGE, { status: 503, headers: { "content-type": "text/plain;charset=UTF-8" } });
  }
}

// Any other method is an RPC call of the missing worker's: it fails.
Object.setPrototypeOf(
  Missing.prototype,
  new Proxy(WorkerEntrypoint.prototype, {
    get(target, prop, receiver) {
      if (typeof prop === "symbol" || prop in target || prop === "then" || prop === "constructor") {
        return Reflect.get(target, prop, receiver);
      }
      return fail;
    },
  }),
);
