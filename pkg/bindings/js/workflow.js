// valet's front for one Workflow: the `cloudflare-internal:workflows-api`
// binding (and the Workflow in ctx.exports) calls this entrypoint by RPC,
// which passes each call to workerd's bundled Workflows (env.WORKFLOW, its
// binding entrypoint for the Workflow) and answers as wrangler dev does:
//   - an instance that sleeps or waits for an event is "running" (the
//     bundled module says "waiting", as Cloudflare does);
//   - a create whose id is taken answers that instance, untouched, where
//     the bundled module fails with instance.already_exists; an id left
//     undefined is a new one;
//   - a batch given as an array is its creates, each as above, all made
//     whatever the others do: the first to fail fails the batch, and an id
//     given twice or taken is its instance each time.
import { WorkerEntrypoint } from "cloudflare:workers";

export default class extends WorkerEntrypoint {
  async create({ id = crypto.randomUUID(), ...options } = {}) {
    try {
      return await this.env.WORKFLOW.create({ ...options, id });
    } catch (e) {
      if (String(e?.message).includes("(instance.already_exists)")) return { id };
      throw e;
    }
  }

  async createBatch(batch) {
    if (!Array.isArray(batch)) return this.env.WORKFLOW.createBatch(batch);
    if (batch.length === 0) throw new Error("WorkflowError: batchCreate should have at least 1 instance");
    const creates = batch.map((options) => this.create(options));
    // The creates still running when one fails go on after the call.
    this.ctx.waitUntil(Promise.allSettled(creates));
    return Promise.all(creates);
  }

  async status(id) {
    const s = await this.env.WORKFLOW.status(id);
    return s.status === "waiting" ? { ...s, status: "running" } : s;
  }

  getInstance(id) {
    return this.env.WORKFLOW.getInstance(id);
  }

  deleteInstance(id) {
    return this.env.WORKFLOW.deleteInstance(id);
  }

  deleteBatch(options) {
    return this.env.WORKFLOW.deleteBatch(options);
  }

  pause(id) {
    return this.env.WORKFLOW.pause(id);
  }

  resume(id) {
    return this.env.WORKFLOW.resume(id);
  }

  terminate(id, options) {
    return this.env.WORKFLOW.terminate(id, options);
  }

  restart(id, options) {
    return this.env.WORKFLOW.restart(id, options);
  }

  sendEvent(id, event) {
    return this.env.WORKFLOW.sendEvent(id, event);
  }

  subscribe(id, options) {
    return this.env.WORKFLOW.subscribe(id, options);
  }
}
