// A binding valet has no local implementation of (Workers AI, Browser
// Rendering), a wrapped binding: the worker loads and runs, and each call
// made through it fails, naming the binding and saying why.
export default function (env) {
	const fail = (what) => async () => {
		throw new Error(`env.${env.binding}.${what}(): ${env.product} has no local implementation, so valet cannot run this call; ${env.hint}`);
	};
	return new Proxy({}, {
		get(_, prop) {
			// Not a thenable, and printable.
			if (typeof prop === "symbol" || prop === "then" || prop === "toJSON") return undefined;
			return fail(prop);
		},
	});
}
