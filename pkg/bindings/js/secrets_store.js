// A Secrets Store secret (config "secrets_store_secrets"): get() answers
// the value `valet secrets-store secret create` stored locally, one JSON
// file per secret, <store_id>/<secret_name>.json in the store (a disk
// service). ctx.props names the secret.
import { WorkerEntrypoint } from "cloudflare:workers";

export class SecretsStoreSecret extends WorkerEntrypoint {
	async get() {
		const { store_id: store, secret_name: name } = this.ctx.props;
		const res = await this.env.STORE.fetch(`http://store/${encodeURIComponent(store)}/${encodeURIComponent(name)}.json`);
		if (res.status === 404) throw new Error(`Secret "${name}" not found`);
		if (!res.ok) throw new Error(`Secret "${name}": reading the local store failed: ${res.status}`);
		const secret = await res.json();
		return secret.value;
	}
}

export default {
	fetch() {
		return new Response("secrets store", { status: 404 });
	},
};
