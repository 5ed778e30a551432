// valet's front for one queue producer: workerd's queue binding speaks
// HTTP to this worker, which passes each send to workerd's bundled queues
// (env.QUEUE, the queue in its props) and answers as wrangler dev does:
//   - a send without a delay of its own takes the producer's
//     delivery_delay (env.DELAY; a batch's messages fall back to it);
//   - a refused send's reason, with the limit it exceeds, is the answer's
//     status text, which workerd puts in the error it throws
//     ("Queue send failed: message length of ... exceeds limit of 128000");
//   - a negative delay, or a JSON message that is not JSON (what a
//     function sent becomes), fails the send as a server error;
//   - a send's metrics are no backlog, as wrangler dev's are for sends in
//     a row and while its consumer keeps up: its broker answers the
//     messages it holds ready before the send (those of the sends just
//     before not yet among them, nor those delayed or out with the
//     consumer). The bundled module answers its shard's whole backlog
//     after the send, with the oldest message's time.
const LIMITS = [
  ["message length", 128000],
  ["message in batch", 128000],
  ["batch message count", 100],
  ["batch size", 256000],
];

function refuse(status, statusText) {
  return new Response(null, { status, statusText });
}

export default {
  async fetch(request, env) {
    // Read first: an answer before the body is read cuts the connection.
    const body = request.method === "POST" ? await request.arrayBuffer() : null;
    const delay = request.headers.get("X-Msg-Delay-Secs");
    if (delay !== null && !(Number(delay) >= 0)) return refuse(500, "Internal Server Error");
    const headers = new Headers(request.headers);
    if (delay === null && env.DELAY) headers.set("X-Msg-Delay-Secs", String(env.DELAY));
    if (new URL(request.url).pathname === "/message" && headers.get("X-Msg-Fmt") === "json") {
      try {
        JSON.parse(new TextDecoder().decode(body));
      } catch {
        return refuse(500, "Internal Server Error");
      }
    }
    const res = await env.QUEUE.fetch(request.url, { method: request.method, headers, body });
    if (res.ok && request.method === "POST") {
      // 0 is the protocol's "no oldest message".
      return Response.json({ metadata: { metrics: { backlogCount: 0, backlogBytes: 0, oldestMessageTimestamp: 0 } } });
    }
    if (res.status !== 413) return res;
    let reason = await res.text();
    try {
      reason = JSON.parse(reason);
    } catch {}
    const limit = LIMITS.find(([what]) => reason.startsWith(what));
    return refuse(413, limit ? `${reason} of ${limit[1]}` : reason);
  },
};
