// valet's front for one D1 database: the `cloudflare-internal:d1-api`
// binding calls this worker (HTTP POST /query and /execute, or the RPC
// method query() under the d1_binding_jsrpc flag), which passes each call
// to workerd's bundled D1 (env.DB, the database in its props) and refuses
// what wrangler dev refuses.
//
// wrangler dev (Miniflare) hands each statement's text whole to SQLite,
// through workerd's multi-statement exec, after dropping only the texts
// that are blank once the comment lines indented by whitespace are gone.
// The bundled module skips every text without a statement and cuts what
// follows the last one. So where Miniflare fails, and the bundled module
// would not, this worker fails the call as Miniflare does:
//   - a text without a statement ("-- note", ";", "/* */") fails with
//     "SQL code did not contain a statement.";
//   - so does one where a comment or an empty statement follows the last
//     statement's semicolon ("SELECT 1; -- note"): its statements run
//     first, and one with parameters fails instead, as only the last
//     statement of a text may have them.
// The call's statements run in one transaction, so an earlier one failing
// is the answer instead: those before the failing text are run by the
// bundled module with a statement that fails after them (a function no
// database has), which rolls them back, and its first error, if not that
// statement's, is the answer.
import { WorkerEntrypoint } from "cloudflare:workers";

const NO_STATEMENT = "SQL code did not contain a statement.";
const PARAMETERS =
  "When executing multiple SQL statements in a single call, only the last statement can have parameters.";

// What SQLite and workerd's exec pass over between statements.
const SPACE = " \t\n\r\v\f";
const WORD = /[A-Za-z0-9_$\u0080-\uffff]/;

// The statements of text as SQLite's tokenizer sees them, each with whether
// it has a parameter, and whether workerd's exec of the whole text fails
// for want of a statement: anything but whitespace after the semicolon
// that ends the last statement, or no statement at all.
function statements(text) {
  const out = [];
  // After the last statement: 0 right after its last token, 1 past the
  // semicolon ending it, 2 past a comment or empty statement after that.
  let after = 2;
  let open = null;
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (SPACE.includes(c)) {
      i++;
      continue;
    }
    if (c === "-" && text[i + 1] === "-") {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl + 1;
      if (after === 1) after = 2;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      i = close < 0 ? text.length : close + 2;
      if (after === 1) after = 2;
      continue;
    }
    if (c === ";") {
      after = after === 0 ? 1 : 2;
      open = null;
      i++;
      continue;
    }
    if (!open) out.push((open = { end: 0, param: false }));
    after = 0;
    if (`'"\`[`.includes(c)) {
      const close = text.indexOf(c === "[" ? "]" : c, i + 1);
      i = close < 0 ? text.length : close + 1;
    } else if (c === "?" || ("$:@#".includes(c) && WORD.test(text[i + 1] ?? ""))) {
      open.param = true;
      i++;
      while (i < text.length && WORD.test(text[i])) i++;
    } else if (WORD.test(c)) {
      while (i < text.length && WORD.test(text[i])) i++;
    } else {
      i++;
    }
    open.end = i;
  }
  return { list: out, fails: out.length === 0 || after === 2 };
}

// Miniflare drops a text that is blank once the lines that are a comment
// after some whitespace are gone.
const dropped = (text) => text.replace(/^\s+--.*/gm, "").trim().length === 0;

// How wrangler dev's answer to queries differs from the bundled module's:
// null when it does not, else the error it fails with and the queries to
// run before, to know whether one of them fails first.
function refusal(queries) {
  for (const [k, q] of queries.entries()) {
    if (typeof q?.sql !== "string" || dropped(q.sql)) continue;
    const { list, fails } = statements(q.sql);
    if (!fails) continue;
    const at = list.findIndex((s) => s.param);
    const ran = at < 0 ? list : list.slice(0, at);
    const before = queries.slice(0, k);
    if (ran.length > 0) before.push({ sql: q.sql.slice(0, ran[ran.length - 1].end), params: [] });
    return { error: at < 0 ? NO_STATEMENT : PARAMETERS, before };
  }
  return null;
}

// A statement that fails after the ones before it, rolling them back.
function rollback() {
  const fn = `valet_rollback_${crypto.randomUUID().replaceAll("-", "")}`;
  return { query: { sql: `SELECT ${fn}()`, params: [] }, is: (message) => String(message).includes(fn) };
}

export default class extends WorkerEntrypoint {
  async fetch(request) {
    const url = new URL(request.url);
    if (request.method !== "POST" || (url.pathname !== "/query" && url.pathname !== "/execute")) {
      return this.env.DB.fetch(request);
    }
    const body = await request.text();
    const forward = (text) => this.env.DB.fetch(request.url, { method: "POST", headers: request.headers, body: text });
    let queries;
    try {
      queries = JSON.parse(body);
    } catch {
      return forward(body);
    }
    const refused = refusal(Array.isArray(queries) ? queries : [queries]);
    if (!refused) return forward(body);
    if (refused.before.length > 0) {
      const last = rollback();
      const res = await forward(JSON.stringify([...refused.before, last.query]));
      const answer = await res.clone().json().catch(() => null);
      if (!last.is(answer?.error)) return res;
    }
    return Response.json({ success: false, error: refused.error });
  }

  async query(request) {
    const refused = refusal(request?.queries ?? []);
    if (!refused) return this.env.DB.query(request);
    if (refused.before.length > 0) {
      const last = rollback();
      try {
        await this.env.DB.query({ ...request, queries: [...refused.before, last.query] });
      } catch (e) {
        if (!last.is(e?.message)) throw e;
      }
    }
    throw new Error(refused.error);
  }
}
