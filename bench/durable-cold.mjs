// bench/durable-cold.mjs: the cold-start rounds of bench/durable.sh, both
// sides timed in this one process (no process start inside a figure), taking
// turns round by round.
//
//   node bench/durable-cold.mjs ENGINE_SOCKET IMAGE VALET_URL ROUNDS NETWORK
//
// bare   the Engine API doing what valet does for a new object: create a
//        container of IMAGE on NETWORK (the bridge network valet's
//        containers are on: the engine starts a container on a user-defined
//        bridge some 40-70 ms slower than on its default one, and that is
//        the engine's time, not valet's) with port 8080 published on
//        127.0.0.1, start it,
//        read the port, then GET / until it answers 200 (tried again after
//        1 ms while the container is not listening yet); then it is removed.
// valet  GET VALET_URL?name=coldN: a new Durable Object whose container
//        starts on this first request, until the container's 200 is back.
//
// Prints {"bare": [ms...], "valet": [ms...]}.
import http from "node:http";

const [socket, image, valetURL, roundsArg, network] = process.argv.slice(2);
const rounds = Number(roundsArg || 7);
// Between tries: short, but no busy loop taking the cores dockerd needs.
const pause = () => new Promise((r) => setTimeout(r, 1));

function request(opts, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent: false, ...opts }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body !== undefined) {
      req.setHeader("content-type", "application/json");
      req.end(JSON.stringify(body));
    } else {
      req.end();
    }
  });
}

async function api(method, path, body) {
  const res = await request({ socketPath: socket, method, path, host: "engine" }, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body}`);
  return res.body ? JSON.parse(res.body) : {};
}

async function bare() {
  const t0 = performance.now();
  const { Id: id } = await api("POST", "/containers/create", {
    Image: image,
    ExposedPorts: { "8080/tcp": {} },
    HostConfig: {
      NetworkMode: network || "default",
      PortBindings: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] },
    },
  });
  try {
    await api("POST", `/containers/${id}/start`);
    let port;
    while (!port) {
      const info = await api("GET", `/containers/${id}/json`);
      port = info.NetworkSettings?.Ports?.["8080/tcp"]?.[0]?.HostPort;
      if (!port) await pause();
    }
    for (;;) {
      try {
        const res = await request({ host: "127.0.0.1", port: Number(port), path: "/" });
        if (res.status === 200) break;
      } catch {
        // not listening yet (docker-proxy accepts, then drops the connection)
      }
      await pause();
    }
    return performance.now() - t0;
  } finally {
    await api("DELETE", `/containers/${id}?force=1`);
  }
}

async function valet(i) {
  const t0 = performance.now();
  const u = new URL(valetURL);
  u.searchParams.set("name", `cold${i}-${process.pid}`);
  const res = await request({ host: u.hostname, port: Number(u.port), path: u.pathname + u.search });
  if (res.status !== 200) throw new Error(`valet: GET ${u}: ${res.status} ${res.body.slice(0, 300)}`);
  return performance.now() - t0;
}

const out = { bare: [], valet: [] };
for (let i = 0; i < rounds; i++) {
  out.bare.push(await bare());
  out.valet.push(await valet(i));
}
console.log(JSON.stringify(out));
