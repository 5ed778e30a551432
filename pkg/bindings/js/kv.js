// valet's front for one KV namespace: workerd's KV binding speaks HTTP to
// this worker, which passes each call to workerd's bundled KV (env.KV, the
// namespace in its props) and makes the answer the one wrangler dev gives:
//   - no CF-Cache-Status, so getWithMetadata's cacheStatus is null;
//   - a list with a cursor the namespace never gave is an empty last page,
//     not a 400.
export default {
  async fetch(request, env) {
    const res = await env.KV.fetch(request);
    if (res.status === 400 && request.method === "GET" && new URL(request.url).searchParams.has("cursor")) {
      const text = (await res.clone().text()) || res.statusText;
      if (text.trim() === "Invalid cursor.") {
        return Response.json({ keys: [], list_complete: true, cacheStatus: null });
      }
    }
    if (!res.headers.has("cf-cache-status")) return res;
    const headers = new Headers(res.headers);
    headers.delete("cf-cache-status");
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  },
};
