// Utility packages that Workers projects depend on: routers, validation,
// ids, dates, collections, HTTP helpers, query builders.
import { Hono } from "hono";
import { AutoRouter, json } from "itty-router";
import * as z from "zod";
import * as v from "valibot";
import { nanoid, customAlphabet } from "nanoid";
import { v4 as uuidv4, v5 as uuidv5, v7 as uuidv7, validate as uuidValidate, version as uuidVersion } from "uuid";
import { addDays, differenceInCalendarDays, format, formatDistanceStrict, formatISO, parseISO } from "date-fns";
import { de } from "date-fns/locale";
import dayjs from "dayjs";
import utc from "dayjs/plugin/utc.js";
import timezone from "dayjs/plugin/timezone.js";
import relativeTime from "dayjs/plugin/relativeTime.js";
import "dayjs/locale/fr.js";
import { DateTime, Duration, Interval } from "luxon";
import { chunk, groupBy, sortBy, merge, debounce, camelCase as lodashCamel, uniqBy, get } from "lodash-es";
import qs from "qs";
import semver from "semver";
import { produce, enablePatches, produceWithPatches } from "immer";
import ky from "ky";
import { parse as parseCookie, serialize as serializeCookie } from "cookie";
import Decimal from "decimal.js";
import mime from "mime";
import slugify from "slugify";
import { camelCase, kebabCase, snakeCase, pascalCase, constantCase } from "change-case";
import { createTwoFilesPatch, diffWords, applyPatch } from "diff";
import { ulid, decodeTime, isValid as ulidValid, monotonicFactory } from "ulid";
import { Base64 } from "js-base64";
import superjson from "superjson";
import { sqliteTable, integer, text as sqlText, QueryBuilder as SqliteQB } from "drizzle-orm/sqlite-core";
import { pgTable, serial, varchar, QueryBuilder as PgQB } from "drizzle-orm/pg-core";
import { and, desc, eq, gt, like, sql } from "drizzle-orm";
import { Kysely, DummyDriver, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from "kysely";

dayjs.extend(utc);
dayjs.extend(timezone);
dayjs.extend(relativeTime);
enablePatches();

const users = sqliteTable("users", { id: integer("id").primaryKey(), name: sqlText("name").notNull(), age: integer("age") });
const posts = pgTable("posts", { id: serial("id").primaryKey(), title: varchar("title", { length: 200 }) });

export default {
	hono: async () => {
		const app = new Hono().basePath("/api");
		app.use("*", async (c, next) => {
			await next();
			c.header("x-mw", "1");
		});
		app.get("/users/:id{[0-9]+}", (c) => c.json({ id: c.req.param("id"), q: c.req.query("q") }));
		app.post("/echo", async (c) => c.json(await c.req.json(), 201));
		app.notFound((c) => c.text("nope", 404));
		const a = await app.request("/api/users/42?q=x");
		const b = await app.request("/api/echo", { method: "POST", body: JSON.stringify({ x: 1 }), headers: { "content-type": "application/json" } });
		const c = await app.request("/api/users/abc");
		return { a: [a.status, a.headers.get("x-mw"), await a.json()], b: [b.status, await b.json()], c: [c.status, await c.text()] };
	},
	"itty-router": async () => {
		const router = AutoRouter();
		router.get("/items/:id", ({ params, query }) => ({ id: params.id, sort: query.sort }));
		router.get("/raw", () => json([1, 2], { status: 202 }));
		const a = await router.fetch(new Request("https://x.test/items/7?sort=asc"));
		const b = await router.fetch(new Request("https://x.test/raw"));
		const c = await router.fetch(new Request("https://x.test/missing"));
		return { a: await a.json(), b: [b.status, await b.json()], c: c.status };
	},
	zod: async () => {
		const User = z.object({
			name: z.string().min(2),
			email: z.email(),
			age: z.number().int().positive().optional(),
			tags: z.array(z.enum(["a", "b"])).default([]),
		});
		const ok = User.parse({ name: "Ada", email: "ada@example.com" });
		const bad = User.safeParse({ name: "A", email: "nope", age: -1, tags: ["c"] });
		const Unique = z.string().refine(async (s) => s !== "taken", "taken");
		const async = await Unique.safeParseAsync("taken");
		return {
			ok,
			issues: bad.error.issues.map((i) => `${i.path.join(".")}: ${i.code}`),
			pretty: z.prettifyError(bad.error),
			async: async.error.issues[0].message,
			coerce: z.coerce.number().parse("42"),
			jsonSchema: z.toJSONSchema(User),
		};
	},
	valibot: () => {
		const Schema = v.object({ email: v.pipe(v.string(), v.email()), n: v.pipe(v.number(), v.minValue(10)) });
		const bad = v.safeParse(Schema, { email: "x", n: 3 });
		return {
			ok: v.parse(Schema, { email: "a@b.co", n: 10 }),
			issues: bad.issues.map((i) => `${v.getDotPath(i)}: ${i.message}`),
			flatten: v.flatten(bad.issues),
		};
	},
	nanoid: () => ({
		default: /^[A-Za-z0-9_-]{21}$/.test(nanoid()),
		custom: /^[abc]{8}$/.test(customAlphabet("abc", 8)()),
		distinct: nanoid() !== nanoid(),
	}),
	uuid: () => ({
		v5: uuidv5("valet.dev", uuidv5.DNS),
		v4: [uuidValidate(uuidv4()), uuidVersion(uuidv4())],
		v7: uuidVersion(uuidv7()),
		invalid: uuidValidate("not-a-uuid"),
	}),
	ulid: () => ({
		time: decodeTime(ulid(1700000000000)),
		prefix: ulid(1700000000000).slice(0, 10),
		valid: ulidValid(ulid()),
		monotonic: (() => {
			const next = monotonicFactory();
			const a = next(1700000000000);
			const b = next(1700000000000);
			return a < b && a.slice(0, 10) === b.slice(0, 10);
		})(),
	}),
	"date-fns": () => {
		const d = parseISO("2024-02-28T10:00:00Z");
		return {
			format: format(d, "yyyy-MM-dd HH:mm EEEE"),
			de: format(d, "PPPP", { locale: de }),
			leap: formatISO(addDays(d, 1), { representation: "date" }),
			diff: differenceInCalendarDays(parseISO("2024-12-25"), d),
			distance: formatDistanceStrict(d, parseISO("2024-03-30T10:00:00Z")),
		};
	},
	dayjs: () => {
		const t = dayjs.tz("2024-03-10 12:00", "America/New_York");
		return {
			newYork: t.format(),
			tokyo: t.tz("Asia/Tokyo").format("YYYY-MM-DD HH:mm Z"),
			kolkata: dayjs.utc("2024-07-01T00:00:00Z").tz("Asia/Kolkata").format("HH:mm"),
			beforeDst: dayjs.tz("2024-03-10 01:30", "America/New_York").utcOffset(),
			afterDst: dayjs.tz("2024-03-10 03:30", "America/New_York").utcOffset(),
			fr: dayjs.utc("2024-01-15").locale("fr").format("dddd D MMMM YYYY"),
			relative: dayjs.utc("2024-01-01").from(dayjs.utc("2024-03-01")),
			guess: dayjs.tz.guess(),
		};
	},
	luxon: () => {
		const t = DateTime.fromISO("2024-10-27T01:30:00", { zone: "Europe/London" });
		return {
			paris: t.setZone("Europe/Paris").toFormat("yyyy-LL-dd HH:mm ZZZZ"),
			full: t.setLocale("en-US").toLocaleString(DateTime.DATETIME_FULL),
			de: t.setLocale("de").toLocaleString(DateTime.DATE_HUGE),
			offset: t.plus({ hours: 1 }).offset,
			duration: Duration.fromObject({ hours: 26, minutes: 5 }).shiftTo("days", "hours", "minutes").toHuman(),
			interval: Interval.fromDateTimes(DateTime.fromISO("2024-01-01", { zone: "utc" }), DateTime.fromISO("2024-03-01", { zone: "utc" })).length("days"),
			relative: DateTime.fromISO("2024-01-01T00:00:00Z").toRelative({ base: DateTime.fromISO("2024-01-03T00:00:00Z") }),
			weekNumber: DateTime.fromISO("2024-12-30").weekNumber,
		};
	},
	"lodash-es": () => ({
		chunk: chunk([1, 2, 3, 4, 5], 2),
		groupBy: groupBy(["one", "two", "three"], "length"),
		sortBy: sortBy([{ n: "b", a: 2 }, { n: "a", a: 2 }, { n: "c", a: 1 }], ["a", "n"]).map((o) => o.n),
		merge: merge({ a: { b: 1 } }, { a: { c: 2 } }),
		debounce: typeof debounce(() => {}, 10),
		camel: lodashCamel("Foo Bar-baz"),
		uniqBy: uniqBy([2.1, 1.2, 2.3], Math.floor),
		get: get({ a: [{ b: { c: 3 } }] }, "a[0].b.c"),
	}),
	qs: () => ({
		parse: qs.parse("a[b][c]=1&list[]=x&list[]=y&n=2"),
		stringify: qs.stringify({ a: { b: [1, 2] }, s: "x y" }, { encodeValuesOnly: true }),
		brackets: qs.stringify({ a: [1, 2] }, { arrayFormat: "brackets" }),
	}),
	semver: () => ({
		satisfies: semver.satisfies("1.2.3", "^1.0.0"),
		max: semver.maxSatisfying(["1.0.0", "1.5.2", "2.0.0"], "~1.5"),
		inc: semver.inc("1.2.3-beta.1", "prerelease"),
		coerce: semver.coerce("v2.3")?.version,
		sort: semver.sort(["1.10.0", "1.2.0", "1.2.0-rc.1"]),
		diff: semver.diff("1.2.3", "2.0.0"),
	}),
	immer: () => {
		const base = { todos: [{ id: 1, done: false }], meta: { count: 1 } };
		const next = produce(base, (d) => {
			d.todos[0].done = true;
			d.todos.push({ id: 2, done: false });
		});
		const [, patches] = produceWithPatches(base, (d) => {
			d.meta.count = 2;
		});
		return { next, base, shared: next.meta === base.meta, frozen: Object.isFrozen(next), patches };
	},
	ky: async () => {
		const seen = [];
		const fakeFetch = async (request) => {
			seen.push(`${request.method} ${request.url} ${request.headers.get("x-h")}`);
			if (seen.length === 1) {
				return new Response("busy", { status: 503 });
			}
			return Response.json({ got: await request.json() });
		};
		const api = ky.create({ prefixUrl: "https://api.test/v1", fetch: fakeFetch, headers: { "x-h": "1" }, retry: { limit: 2, methods: ["post"], backoffLimit: 1 } });
		const body = await api.post("items", { json: { a: 1 } }).json();
		let err = "";
		try {
			await ky.get("https://api.test/404", { fetch: async () => new Response("x", { status: 404 }), retry: 0 });
		} catch (e) {
			err = `${e.name} ${e.response.status}`;
		}
		return { body, seen, err };
	},
	cookie: () => ({
		parse: parseCookie("a=1; b=hello%20world; c"),
		serialize: serializeCookie("sid", "x y", { httpOnly: true, sameSite: "lax", path: "/", maxAge: 3600 }),
	}),
	mime: () => [mime.getType("index.html"), mime.getType("x.webp"), mime.getType("a.mjs"), mime.getExtension("application/json")],
	slugify: () => [slugify("Héllo Wörld & Co!", { lower: true, strict: true }), slugify("a  b")],
	"change-case": () => [camelCase("foo_bar baz"), kebabCase("FooBar"), snakeCase("fooBar"), pascalCase("foo-bar"), constantCase("foo bar")],
	decimal: () => ({
		sum: new Decimal(0.1).plus(0.2).toString(),
		float: 0.1 + 0.2,
		pow: new Decimal(2).pow(100).toFixed(),
		div: new Decimal(1).div(3).toSignificantDigits(10).toString(),
		sqrt: Decimal.sqrt(2).toFixed(20),
	}),
	diff: () => {
		const a = "one\ntwo\nthree\n";
		const b = "one\n2\nthree\nfour\n";
		const patch = createTwoFilesPatch("a.txt", "b.txt", a, b, "", "");
		return {
			patch,
			applied: applyPatch(a, patch) === b,
			words: diffWords("the quick fox", "the slow fox").map((p) => (p.added ? "+" : p.removed ? "-" : "=") + p.value),
		};
	},
	"js-base64": () => ({
		encode: Base64.encode("héllo ✓"),
		url: Base64.encodeURI("??>>"),
		decode: Base64.decode("aMOpbGxvIOKckw=="),
		valid: Base64.isValid("###"),
	}),
	superjson: () => {
		const value = { d: new Date(Date.UTC(2024, 0, 1)), m: new Map([["k", 1n]]), s: new Set([1]), u: undefined, re: /a/g };
		const s = superjson.stringify(value);
		const back = superjson.parse(s);
		return { s, date: back.d instanceof Date, big: typeof back.m.get("k"), set: back.s instanceof Set, re: String(back.re) };
	},
	"drizzle-orm": () => {
		const q = new SqliteQB()
			.select({ id: users.id, name: users.name })
			.from(users)
			.where(and(gt(users.age, 18), like(users.name, "A%")))
			.orderBy(desc(users.id))
			.limit(10)
			.toSQL();
		const pg = new PgQB().select().from(posts).where(eq(posts.id, 5)).toSQL();
		const raw = new SqliteQB().select({ n: sql`count(*)`.mapWith(Number) }).from(users).toSQL();
		return { sqlite: q, pg, raw };
	},
	kysely: () => {
		const db = new Kysely({
			dialect: {
				createAdapter: () => new SqliteAdapter(),
				createDriver: () => new DummyDriver(),
				createIntrospector: (db) => new SqliteIntrospector(db),
				createQueryCompiler: () => new SqliteQueryCompiler(),
			},
		});
		const q = db
			.selectFrom("person")
			.innerJoin("pet", "pet.owner_id", "person.id")
			.select(["person.first_name", "pet.name as pet"])
			.where("person.age", ">", 30)
			.where((eb) => eb.or([eb("pet.species", "=", "cat"), eb("pet.species", "=", "dog")]))
			.orderBy("person.first_name")
			.compile();
		const ins = db.insertInto("person").values({ first_name: "A", age: 1 }).returning("id").compile();
		return { select: { sql: q.sql, parameters: q.parameters }, insert: { sql: ins.sql, parameters: ins.parameters } };
	},
};
