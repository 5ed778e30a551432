import { WorkerEntrypoint } from "cloudflare:workers";

export class Admin extends WorkerEntrypoint {
	add(a: number, b: number): number {
		return a + b;
	}
}

export default class extends WorkerEntrypoint {
	hello(name: string): string {
		return `hello ${name}`;
	}
	async fetch(request: Request): Promise<Response> {
		return new Response("api");
	}
}
