// The Workers platform around the handler: vars in env, cloudflare:workers'
// env and WorkerEntrypoint, ctx.waitUntil, the request's cf object.
import { env as moduleEnv, WorkerEntrypoint } from "cloudflare:workers";

export default {
	"cloudflare-workers": async ({ env, ctx, request }) => {
		let waited = false;
		ctx.waitUntil(Promise.resolve().then(() => (waited = true)));
		await Promise.resolve();
		return {
			var: env.GREETING,
			json: env.SETTINGS,
			moduleEnv: moduleEnv.GREETING,
			entrypoint: typeof WorkerEntrypoint,
			waitUntil: typeof ctx.waitUntil,
			waited,
			cf: typeof request.cf,
			method: request.method,
		};
	},
};
