// A rate limiter (config "ratelimits"), a wrapped binding: counts requests
// per key in fixed windows of `period` seconds, in the memory of the
// worker's runtime, as wrangler dev does. Its errors are wrangler dev's.
const KEYS = ["key", "limit", "period"];
const PERIODS = [10, 60];

function check(ok, message) {
	if (!ok) throw new Error(message);
}

class RateLimit {
	#limit;
	#period;
	#window = 0;
	#counts = new Map();

	constructor(env) {
		this.#limit = env.limit;
		this.#period = env.period;
	}

	async limit(options) {
		check(typeof options === "object" && options !== null, "invalid rate limit options");
		const unknown = Object.keys(options).filter((k) => !KEYS.includes(k));
		check(unknown.length === 0, `bad rate limit options: [${unknown.join(",")}]`);
		const { key = "", limit = this.#limit, period = this.#period } = options;
		check(typeof key === "string", `invalid key: ${key}`);
		check(typeof limit === "number", `limit must be a number: ${limit}`);
		check(typeof period === "number", `period must be a number: ${period}`);
		check(PERIODS.includes(period), `unsupported period: ${period}`);
		const window = Math.floor(Date.now() / (period * 1000));
		if (window !== this.#window) {
			this.#window = window;
			this.#counts.clear();
		}
		const n = this.#counts.get(key) ?? 0;
		if (n >= limit) return { success: false };
		this.#counts.set(key, n + 1);
		return { success: true };
	}
}

export default function (env) {
	return new RateLimit(env);
}
