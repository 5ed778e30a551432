// The JavaScript language as V8 runs it in workerd: Unicode property
// escapes, ES2023–ES2025 built-ins, class fields named like keywords.

class Fields {
	// Fields named as accessor keywords and contextual keywords: a parser
	// that takes `set =` for a setter fails here.
	set = "set";
	get = "get";
	static = "static";
	async = true;
	await = "await";
	#secret = "private";
	static count = 1;
	static #hidden = 2;
	static {
		Fields.count += Fields.#hidden;
	}
	reveal() {
		return this.#secret;
	}
	has(o) {
		return #secret in o;
	}
}

export default {
	"regex-unicode": () => {
		const s = "Ünïcödé 123 Ελληνικά Кириллица 漢字 😀👍";
		return {
			letters: s.match(/\p{L}+/gu),
			greek: s.match(/\p{Script=Greek}+/u)[0],
			cyrillic: /\p{sc=Cyrillic}/u.test("Ж"),
			han: s.match(/\p{Script=Han}+/u)[0],
			emoji: s.match(/\p{Emoji_Presentation}/gu),
			upper: "aBcÄ".match(/\p{Lu}/gu),
			digits: "x٣4".match(/\p{Nd}/gu),
			notLetter: "a1-b".replace(/\P{L}/gu, "_"),
			setNotation: "aé1ü".match(/[\p{L}--[a-z]]/gv),
			namedGroups: "2024-03-10".match(/(?<y>\d{4})-(?<m>\d{2})-(?<d>\d{2})/).groups,
			dotAll: /a.b/s.test("a\nb"),
			lookbehind: "$10 €20".match(/(?<=€)\d+/)[0],
			indices: /b(c)/d.exec("abc").indices,
		};
	},
	"es2023-2024": async () => {
		const people = [
			{ name: "a", age: 30 },
			{ name: "b", age: 20 },
			{ name: "c", age: 30 },
		];
		const { promise, resolve } = Promise.withResolvers();
		setTimeout(() => resolve("resolved"), 0);
		const arr = [3, 1, 2];
		return {
			groupBy: Object.groupBy(people, (p) => p.age),
			mapGroupBy: [...Map.groupBy(people, (p) => (p.age > 25 ? "old" : "young")).keys()],
			withResolvers: await promise,
			toSorted: arr.toSorted(),
			toReversed: arr.toReversed(),
			with: arr.with(0, 9),
			toSpliced: arr.toSpliced(1, 1),
			original: arr,
			findLast: people.findLast((p) => p.age === 30).name,
			fromAsync: await Array.fromAsync((async function* () {
				yield 1;
				yield 2;
			})()),
			wellFormed: ["ok", "\ud800"].map((s) => s.isWellFormed()),
			resizable: (() => {
				const b = new ArrayBuffer(2, { maxByteLength: 8 });
				b.resize(6);
				return b.byteLength;
			})(),
			at: arr.at(-1),
			hasOwn: Object.hasOwn({ x: 1 }, "x"),
			atomicsWaitAsync: typeof Atomics.waitAsync,
		};
	},
	es2025: () => {
		const a = new Set([1, 2, 3]);
		const b = new Set([2, 3, 4]);
		return {
			union: [...a.union(b)],
			intersection: [...a.intersection(b)],
			difference: [...a.difference(b)],
			isSubsetOf: new Set([2]).isSubsetOf(a),
			iteratorHelpers: [1, 2, 3, 4, 5].values().filter((x) => x % 2).map((x) => x * 10).take(2).toArray(),
			promiseTry: typeof Promise.try,
			regexpEscape: typeof RegExp.escape,
			float16: typeof Float16Array,
			jsonRawJSON: typeof JSON.rawJSON,
			duplicateNamedGroups: /(?<y>\d{4})-x|(?<y>\d{2})-y/.exec("24-y").groups.y,
			regexModifiers: /(?i:a)b/.test("Ab"),
		};
	},
	"class-fields": () => {
		const f = new Fields();
		return {
			fields: [f.set, f.get, f.static, f.async, f.await],
			private: f.reveal(),
			brand: [f.has(f), f.has({})],
			staticBlock: Fields.count,
			optionalChain: f?.missing?.deep ?? "nullish",
			logicalAssign: (() => {
				let x = null;
				x ??= 5;
				x ||= 6;
				x &&= 7;
				return x;
			})(),
			numeric: 1_000_000,
			bigint: String(2n ** 64n),
		};
	},
};
