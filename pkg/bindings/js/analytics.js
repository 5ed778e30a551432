// An Analytics Engine dataset (config "analytics_engine_datasets"), a
// wrapped binding. writeDataPoint returns at once, as on Cloudflare; the
// point is written after, one JSON file per point under the dataset's
// directory of the local store (a writable disk service), named so that
// a listing is in write order.
import workers from "cloudflare-internal:workers";

let seq = 0;

function text(v) {
	if (v === null || v === undefined) return null;
	if (typeof v === "string") return v;
	if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return new TextDecoder().decode(v);
	return String(v);
}

export default function (env) {
	return {
		writeDataPoint(event) {
			const now = new Date();
			const point = {
				timestamp: now.toISOString(),
				dataset: env.dataset,
				indexes: (event?.indexes ?? []).map(text),
				blobs: (event?.blobs ?? []).map(text),
				doubles: (event?.doubles ?? []).map(Number),
			};
			const name = `${now.getTime()}-${String(++seq).padStart(6, "0")}-${crypto.randomUUID().slice(0, 8)}.json`;
			const put = env.store.fetch(`http://store/${encodeURIComponent(env.dataset)}/${name}`, {
				method: "PUT",
				body: JSON.stringify(point) + "\n",
			});
			workers.waitUntil(put.then((r) => {
				if (!r.ok) console.error(`analytics engine: writing ${env.dataset}/${name} failed: ${r.status}`);
			}));
		},
	};
}
