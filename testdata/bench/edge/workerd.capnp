# The raw workerd anchor of bench/edge.sh: `workerd serve` on the bundle that
# `valet build` wrote (.valet/build/worker.js), with nothing in front. Only
# what wrangler.jsonc says: the compatibility date and the GREETING var.
# bench/edge.sh checks the date against wrangler.jsonc and sets the address:
#   workerd serve workerd.capnp --socket-addr http=127.0.0.1:PORT
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "edge-bench", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "edge-bench")],
);

const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed ".valet/build/worker.js")],
  compatibilityDate = "2025-06-01",
  bindings = [(name = "GREETING", text = "hello")],
);
