// valet's driver for `valet d1 execute` and `valet d1 migrations`: runs the
// statements it is sent through the DB binding, the same D1 that valet dev
// gives the worker, in one batch (one transaction), and answers each
// statement's result as wrangler d1 execute --local prints it.
export default {
  async fetch(request, env) {
    const { statements } = await request.json();
    try {
      const started = Date.now();
      const results = await env.DB.batch(statements.map((s) => env.DB.prepare(s)));
      const duration = Date.now() - started;
      return Response.json({
        results: results.map((r) => ({ results: r.results, success: r.success, meta: { duration } })),
      });
    } catch (e) {
      return Response.json({ error: String((e && e.cause && e.cause.message) || (e && e.message) || e) }, { status: 400 });
    }
  },
};
