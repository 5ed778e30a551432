import { WorkerEntrypoint, WorkflowEntrypoint, WorkflowEvent, WorkflowStep } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";

type SignupParams = { email: string; plan: "free" | "pro" };

export class Signup extends WorkflowEntrypoint<Env, SignupParams> {
	async run(event: Readonly<WorkflowEvent<SignupParams>>, step: WorkflowStep) {
		const user = await step.do("create user", async () => ({ id: 1, email: event.payload.email }));
		await step.do("welcome", { retries: { limit: 3, delay: "10 seconds", backoff: "exponential" }, timeout: "1 minute" }, async () => {
			if (!user.email.includes("@")) throw new NonRetryableError("bad email");
			return true;
		});
		await step.sleep("wait a day", "1 day");
		await step.sleepUntil("until then", new Date(Date.now() + 1000));
		const ok = await step.waitForEvent<{ confirmed: boolean }>("confirm", { type: "confirmed", timeout: "1 hour" });
		return { user, confirmed: ok.payload.confirmed, at: ok.timestamp.getTime() };
	}
}

export class Local extends WorkerEntrypoint<Env> {
	whoami(): string {
		return "async-app";
	}
}

export default {
	async fetch(request, env, ctx) {
		const r = await env.JOBS.send({ id: 1 }, { contentType: "json", delaySeconds: 2 });
		const backlog: number = r.metadata.metrics.backlogCount;
		await env.LATER.sendBatch([{ body: "a" }, { body: new Uint8Array([1]), contentType: "bytes" }], { delaySeconds: 1 });
		const m = await env.JOBS.metrics();
		const instance = await env.SIGNUP.create({ id: "u1", params: { email: "a@b.c", plan: "pro" } });
		const status = await instance.status();
		await instance.sendEvent({ type: "confirmed", payload: { confirmed: true } });
		await (await env.SIGNUP.get("u1")).pause();
		const batch = await env.SIGNUP.createBatch([{ params: { email: "x@y.z", plan: "free" } }]);
		await env.BILLING.create();
		const sum: number = await env.API_ADMIN.add(1, 2);
		const greeting: string = await env.API.hello("you");
		const me: string = await env.SELF.whoami();
		const res = await env.MAILER.fetch("http://mailer/send");
		await env.API.fetch(request);
		return Response.json({ backlog, m: m.backlogBytes, s: status.status, n: batch.length, sum, greeting, me, res: res.status });
	},
	async queue(batch, env) {
		for (const msg of batch.messages) {
			if (msg.attempts > 2) msg.retry({ delaySeconds: 30 });
			else msg.ack();
			const when: Date = msg.timestamp;
		}
		batch.retryAll();
		batch.ackAll();
		const q: string = batch.queue;
	},
	async scheduled(controller, env, ctx) {
		ctx.waitUntil(env.JOBS.send(controller.cron));
	},
} satisfies ExportedHandler<Env, { id: number }>;
