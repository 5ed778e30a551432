// Code generated from strings. Workers refuse eval, new Function and
// WebAssembly compilation from bytes while serving a request; since
// compatibility date 2025-06-01 (allow_eval_during_startup) they allow them
// while the module is first evaluated. Libraries that compile (Handlebars,
// Ajv, lodash's template) therefore work when they compile at startup and
// fail in a handler, as in production.
import Handlebars from "handlebars";
import Ajv from "ajv";
import { template } from "lodash-es";

// (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
const addWasm = new Uint8Array([
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01,
	0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
]);

const schema = {
	type: "object",
	properties: { name: { type: "string", minLength: 2 }, age: { type: "integer", minimum: 0 } },
	required: ["name"],
	additionalProperties: false,
};

// Each startup attempt keeps its error rather than failing the module, so
// that a runtime that refuses them still serves the other cases.
function atStartup(f) {
	try {
		return { value: f() };
	} catch (e) {
		return { error: `${e.name}: ${e.message}` };
	}
}

const startup = {
	eval: atStartup(() => eval("6 * 7")),
	newFunction: atStartup(() => new Function("a", "b", "return a + b")),
	wasm: atStartup(() => new WebAssembly.Instance(new WebAssembly.Module(addWasm)).exports.add),
	// Handlebars compiles on a template's first call: call it once here.
	handlebars: atStartup(() => {
		const t = Handlebars.compile("Hello {{name}}! {{#each items}}[{{this}}]{{/each}}");
		t({});
		return t;
	}),
	ajv: atStartup(() => new Ajv({ allErrors: true }).compile(schema)),
	lodashTemplate: atStartup(() => template("hello <%= user %>!")),
};

function use(attempt, f) {
	if (attempt.error) {
		throw new Error(`at startup: ${attempt.error}`);
	}
	return f(attempt.value);
}

export default {
	"eval-startup": () => ({ eval: use(startup.eval, (v) => v), newFunction: use(startup.newFunction, (f) => f(2, 3)) }),
	"eval-request": () => {
		const out = {};
		for (const [what, f] of Object.entries({
			eval: () => eval("1 + 1"),
			indirectEval: () => (0, eval)("1 + 1"),
			newFunction: () => new Function("return 1")(),
			asyncFunction: () => new (async function () {}).constructor("return 1"),
			emptyFunction: () => typeof new Function(),
			evalUndefined: () => eval(undefined) ?? "undefined",
		})) {
			try {
				out[what] = f();
			} catch (e) {
				out[what] = `${e.name}: ${e.message}`;
			}
		}
		return out;
	},
	"wasm-startup": () => use(startup.wasm, (add) => ({ add: add(40, 2), validate: WebAssembly.validate(addWasm) })),
	"wasm-request": async () => {
		const { instance } = await WebAssembly.instantiate(addWasm);
		return instance.exports.add(1, 2);
	},
	"handlebars-startup": () => use(startup.handlebars, (t) => t({ name: "<World>", items: [1, 2] })),
	"handlebars-request": () => Handlebars.compile("Hi {{name}}")({ name: "x" }),
	"handlebars-precompile": () => {
		const spec = Handlebars.precompile("Hi {{name}}");
		return { compiler: spec.slice(0, spec.indexOf("]") + 1), escapes: spec.includes("escapeExpression") };
	},
	"ajv-startup": () =>
		use(startup.ajv, (validate) => ({
			valid: validate({ name: "Ada", age: 36 }),
			invalid: validate({ name: "A", age: -1, extra: 1 }),
			errors: validate.errors.map((e) => `${e.instancePath} ${e.keyword}`),
		})),
	"ajv-request": () => new Ajv().compile(schema)({ name: "Ada" }),
	"lodash-template-startup": () => use(startup.lodashTemplate, (t) => t({ user: "<b>" })),
	"lodash-template-request": () => template("hi <%= user %>")({ user: "x" }),
};
