// Exercises every D1 call a worker makes and answers what each returned,
// so that valet dev's answers can be compared with wrangler dev's. Timings
// and sizes of the meta object differ from run to run and between SQLite
// builds; the rest of it is answered as is.

async function step(out, name, fn) {
  try {
    out.push([name, await fn()]);
  } catch (e) {
    out.push([name, { error: String(e && e.message), name: e && e.name, cause: e && e.cause ? String(e.cause.message ?? e.cause) : undefined }]);
  }
}

// The stable part of a result's meta.
function meta(m) {
  if (!m) return m;
  const { changes, last_row_id, changed_db, rows_read, rows_written } = m;
  return { changes, last_row_id, changed_db, rows_read, rows_written };
}

function result(r) {
  if (r === null || typeof r !== "object" || !("success" in r)) return r;
  return { success: r.success, results: r.results, meta: meta(r.meta) };
}

async function run(env) {
  const out = [];
  const DB = env.DB;
  await step(out, "exec create", async () => {
    const r = await DB.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER, score REAL, avatar BLOB);\nCREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER REFERENCES users(id), title TEXT)");
    return { count: r.count, hasDuration: typeof r.duration === "number" };
  });
  await step(out, "run insert", async () => result(await DB.prepare("INSERT INTO users (name, age, score) VALUES (?, ?, ?)").bind("alice", 30, 1.5).run()));
  await step(out, "run insert numbered params", async () => result(await DB.prepare("INSERT INTO users (name, age) VALUES (?2, ?1)").bind(25, "bob").run()));
  await step(out, "run insert null and blob", async () =>
    result(await DB.prepare("INSERT INTO users (name, age, avatar) VALUES (?, ?, ?)").bind("carol", null, new Uint8Array([1, 2, 3])).run()));
  await step(out, "bind boolean", async () => result(await DB.prepare("SELECT ? AS t, ? AS f").bind(true, false).all()));
  await step(out, "bind undefined refused", async () => result(await DB.prepare("SELECT ?").bind(undefined).all()));
  await step(out, "bind object refused", async () => result(await DB.prepare("SELECT ?").bind({ a: 1 }).all()));
  await step(out, "first", () => DB.prepare("SELECT * FROM users WHERE name = ?").bind("alice").first());
  await step(out, "first column", () => DB.prepare("SELECT name FROM users ORDER BY id").first("name"));
  await step(out, "first missing column", () => DB.prepare("SELECT name FROM users ORDER BY id").first("nope"));
  await step(out, "first no row", () => DB.prepare("SELECT * FROM users WHERE id = 99").first());
  await step(out, "all", async () => result(await DB.prepare("SELECT id, name, age, score, avatar FROM users ORDER BY id").all()));
  await step(out, "raw", () => DB.prepare("SELECT id, name FROM users ORDER BY id").raw());
  await step(out, "raw with column names", () => DB.prepare("SELECT id, name FROM users ORDER BY id").raw({ columnNames: true }));
  await step(out, "raw empty with column names", () => DB.prepare("SELECT id, name FROM users WHERE id = 99").raw({ columnNames: true }));
  await step(out, "all same column names", async () => result(await DB.prepare("SELECT 1 AS x, 2 AS x").all()));
  await step(out, "raw same column names", () => DB.prepare("SELECT 1 AS x, 2 AS x").raw());
  await step(out, "run select", async () => result(await DB.prepare("SELECT name FROM users ORDER BY id").run()));
  await step(out, "update", async () => result(await DB.prepare("UPDATE users SET age = age + 1 WHERE age IS NOT NULL").run()));
  await step(out, "large integer", async () => result(await DB.prepare("SELECT 9007199254740993 AS big, 1e300 AS f, -0.5 AS n").all()));
  await step(out, "types", async () => result(await DB.prepare("SELECT typeof(avatar) AS t, hex(avatar) AS h FROM users WHERE name = 'carol'").all()));
  await step(out, "batch", async () => {
    const rs = await DB.batch([
      DB.prepare("INSERT INTO posts (user_id, title) VALUES (?, ?)").bind(1, "hello"),
      DB.prepare("INSERT INTO posts (user_id, title) VALUES (?, ?)").bind(2, "world"),
      DB.prepare("SELECT count(*) AS n FROM posts"),
    ]);
    return rs.map(result);
  });
  await step(out, "batch rolls back on error", async () => {
    try {
      await DB.batch([
        DB.prepare("INSERT INTO posts (user_id, title) VALUES (?, ?)").bind(3, "lost"),
        DB.prepare("INSERT INTO nope VALUES (1)"),
      ]);
      return "no error";
    } catch (e) {
      return { error: e.message, after: await DB.prepare("SELECT count(*) AS n FROM posts").first("n") };
    }
  });
  await step(out, "batch empty", async () => (await DB.batch([])).map(result));
  await step(out, "syntax error", async () => result(await DB.prepare("SELEC 1").all()));
  await step(out, "no such table", async () => result(await DB.prepare("SELECT * FROM nope").all()));
  await step(out, "constraint", async () => result(await DB.prepare("INSERT INTO users (id, name) VALUES (1, 'dup')").run()));
  await step(out, "not null", async () => result(await DB.prepare("INSERT INTO users (age) VALUES (1)").run()));
  await step(out, "wrong param count", async () => result(await DB.prepare("SELECT ?, ?").bind(1).all()));
  await step(out, "exec error", () => DB.exec("SELECT 1; SELEC 2"));
  await step(out, "exec multi", async () => (await DB.exec("INSERT INTO posts (title) VALUES ('a'); INSERT INTO posts (title) VALUES ('b')")).count);
  await step(out, "exec empty", () => DB.exec(""));
  await step(out, "prepare empty", async () => result(await DB.prepare("").all()));
  await step(out, "comment only", async () => result(await DB.prepare("-- nothing").all()));
  await step(out, "comment only, indented", async () => result(await DB.prepare("  -- nothing").all()));
  await step(out, "semicolon only", async () => result(await DB.prepare(";").all()));
  await step(out, "comment after the last statement", async () => result(await DB.prepare("SELECT 1 AS n; -- nothing").all()));
  await step(out, "empty statement after the last", async () => result(await DB.prepare("SELECT 1 AS n;;").all()));
  await step(out, "comment after a statement with a parameter", async () => result(await DB.prepare("SELECT ? AS n; -- nothing").bind(1).all()));
  await step(out, "comment ending the statement", async () => result(await DB.prepare("SELECT 1 AS n -- nothing").all()));
  await step(out, "empty statement before the first", async () => result(await DB.prepare("; SELECT 1 AS n").all()));
  await step(out, "batch with a comment only rolls back", async () => {
    try {
      await DB.batch([DB.prepare("INSERT INTO posts (title) VALUES ('lost')"), DB.prepare("-- nothing")]);
      return "no error";
    } catch (e) {
      return { error: e.message, after: await DB.prepare("SELECT count(*) AS n FROM posts").first("n") };
    }
  });
  await step(out, "batch error before a comment only", async () => (await DB.batch([DB.prepare("SELECT nope"), DB.prepare("-- nothing")])).map(result));
  await step(out, "exec comment line", () => DB.exec("SELECT 1;\n-- nothing"));
  await step(out, "transaction refused", async () => result(await DB.prepare("BEGIN TRANSACTION").run()));
  await step(out, "pragma table_list", async () =>
    (await DB.prepare("PRAGMA table_list").all()).results.filter((t) => !t.name.startsWith("_cf_") && t.schema === "main").map((t) => t.name).sort());
  await step(out, "pragma foreign_keys", async () => result(await DB.prepare("PRAGMA foreign_keys").all()));
  await step(out, "withSession first-unconstrained", async () => {
    const s = DB.withSession("first-unconstrained");
    const r = await s.prepare("SELECT count(*) AS n FROM users").first("n");
    return { n: r, bookmark: typeof s.getBookmark() };
  });
  await step(out, "withSession default", async () => {
    const s = DB.withSession();
    const before = s.getBookmark();
    await s.prepare("INSERT INTO posts (title) VALUES ('s')").run();
    const b = await s.batch([s.prepare("SELECT count(*) AS n FROM posts")]);
    return { before, after: typeof s.getBookmark(), n: b[0].results[0].n };
  });
  await step(out, "withSession first-primary", async () => {
    const s = DB.withSession("first-primary");
    return { n: await s.prepare("SELECT count(*) AS n FROM posts").first("n"), bookmark: typeof s.getBookmark() };
  });
  await step(out, "withSession bad bookmark", async () => {
    const s = DB.withSession("not-a-bookmark");
    return await s.prepare("SELECT 1 AS one").first();
  });
  await step(out, "other database is separate", async () => result(await env.OTHER.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'").all()));
  await step(out, "dump", async () => result(await DB.prepare("SELECT * FROM posts ORDER BY id").all()));
  return out;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/run") return Response.json(await run(env));
    if (url.pathname === "/check") {
      return Response.json(await env.DB.prepare("SELECT name FROM users ORDER BY id").raw());
    }
    return new Response("not found", { status: 404 });
  },
};
