// Asks a running dev server every path of paths.txt and writes the answers
// (status and body) as JSON: node record.mjs URL OUT.json VERSION CONFIG
import { readFileSync, writeFileSync } from "node:fs";

const [url, out, version, config] = process.argv.slice(2);
const paths = readFileSync(new URL("paths.txt", import.meta.url), "utf8").split("\n").filter(Boolean);
const answers = [];
for (const path of paths) {
  const r = await fetch(url + path);
  answers.push({ path, status: r.status, body: await r.text() });
}
writeFileSync(out, JSON.stringify({ wrangler: version, config, answers }, null, 2) + "\n");
