import { DurableObject, WorkflowEntrypoint, WorkerEntrypoint } from "cloudflare:workers";
export class Counter extends DurableObject {}
export class MyWorkflow extends WorkflowEntrypoint { async run() {} }
export class Named extends WorkerEntrypoint {}
export default { async fetch() { return new Response("ok"); } };
