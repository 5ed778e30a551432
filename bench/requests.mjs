// bench/requests.mjs: exactly N GET requests to URL over C kept-alive
// connections, for bench/edge.sh's memory figure: every side serves the same
// requests while its RSS is sampled (wrk runs for a time, not a count, so a
// faster side would serve more and grow more).
//
//   node bench/requests.mjs URL N C
//
// Prints "served errors": answers with status < 400, and the others plus
// failed requests.
import http from "node:http";

const [url, nArg, cArg] = process.argv.slice(2);
const total = Number(nArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(cArg) });

let next = 0;
let served = 0;
let errors = 0;

function get() {
  return new Promise((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on("end", () => {
        if (res.statusCode < 400) served++;
        else errors++;
        resolve();
      });
      res.on("error", () => {
        errors++;
        resolve();
      });
    });
    req.on("error", () => {
      errors++;
      resolve();
    });
  });
}

async function worker() {
  while (next < total) {
    next++;
    await get();
  }
}

await Promise.all(Array.from({ length: Number(cArg) }, worker));
agent.destroy();
console.log(served, errors);
