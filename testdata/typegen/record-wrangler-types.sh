#!/usr/bin/env bash
# Records what `wrangler types --include-runtime=false` writes for
# testdata/typegen/all-kinds (a config with every binding kind) and for each
# Cloudflare template config in testdata/cloudflare-templates, as
# wrangler-types.d.ts beside each config, for pkg/typegen's
# TestWranglerTypes to compare valet types with. The files a config names
# (main, a container's Dockerfile) are created empty in a copy, as wrangler
# types reads whether they exist; the copy's custom build is dropped, as
# wrangler types would run it (the templates' build their client assets). Needs node and npm (wrangler 4.86 is the
# last release on Node 20; WRANGLER=path skips the install).
set -euo pipefail

WRANGLER_VERSION=${WRANGLER_VERSION:-4.86}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

wrangler=${WRANGLER:-}
if [ -z "$wrangler" ]; then
	echo "installing wrangler@$WRANGLER_VERSION in $work/wrangler" >&2
	mkdir -p "$work/wrangler"
	(cd "$work/wrangler" && echo '{"private":true}' >package.json &&
		npm install --no-audit --no-fund --loglevel=error "wrangler@$WRANGLER_VERSION" >&2)
	wrangler="$work/wrangler/node_modules/.bin/wrangler"
fi
export CI=1 WRANGLER_SEND_METRICS=false

stub='
const fs = require("fs"), path = require("path");
const file = process.argv[1], dir = path.dirname(file);
let text = fs.readFileSync(file, "utf8");
if (file.endsWith(".toml")) process.exit(0);
// JSONC: drop comments outside strings, and trailing commas.
let out = "", str = false;
for (let i = 0; i < text.length; i++) {
	const c = text[i];
	if (str) { out += c; if (c === "\\") out += text[++i]; else if (c === "\"") str = false; continue; }
	if (c === "\"") { str = true; out += c; continue; }
	if (c === "/" && text[i + 1] === "/") { while (i < text.length && text[i] !== "\n") i++; out += "\n"; continue; }
	if (c === "/" && text[i + 1] === "*") { i = text.indexOf("*/", i) + 1; continue; }
	out += c;
}
const cfg = JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"));
const sections = [cfg, ...Object.values(cfg.env ?? {})];
const classes = new Set();
for (const c of sections) {
	for (const b of c.durable_objects?.bindings ?? []) if (!b.script_name || b.script_name === cfg.name) classes.add(b.class_name);
	for (const w of c.workflows ?? []) if (!w.script_name || w.script_name === cfg.name) classes.add(w.class_name);
	for (const s of c.services ?? []) if (s.service === cfg.name && s.entrypoint) classes.add(s.entrypoint);
}
if (cfg.main) {
	const main = path.join(dir, cfg.main);
	if (!fs.existsSync(main)) {
		fs.mkdirSync(path.dirname(main), { recursive: true });
		fs.writeFileSync(main, [...classes].map((c) => `export class ${c} {}\n`).join("") + "export default { fetch() { return new Response(); } };\n");
	}
}
// wrangler types runs the custom build before reading main'"'"'s exports; the
// stub is what it would build (the templates build their client assets).
if (cfg.build) {
	delete cfg.build;
	fs.writeFileSync(file, JSON.stringify(cfg, null, "\t"));
}
for (const c of sections) for (const ct of c.containers ?? []) {
	const f = path.join(dir, ct.image);
	if (ct.image.startsWith(".") && !fs.existsSync(f)) fs.writeFileSync(f, "");
}
'

for dir in "$here/all-kinds" "$repo"/testdata/cloudflare-templates/*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	copy=$work/$name
	cp -r "$dir" "$copy"
	rm -f "$copy/wrangler-types.d.ts"
	cfg=
	for f in "$copy"/wrangler.jsonc "$copy"/wrangler.json "$copy"/wrangler.toml; do
		[ -f "$f" ] && cfg=$f && break
	done
	# The files the config names: main, as a module exporting the classes
	# and entrypoints the config binds (as each template's own main does;
	# wrangler types reads its exports), and the containers' Dockerfiles.
	node -e "$stub" "$cfg"
	(cd "$copy" && "$wrangler" types --include-runtime=false -c "$(basename "$cfg")" >"$work/$name.log" 2>&1) || {
		cat "$work/$name.log" >&2
		exit 1
	}
	cp "$copy/worker-configuration.d.ts" "$dir/wrangler-types.d.ts"
	echo "$name" >&2
done
echo "recorded $("$wrangler" --version | tail -1) types" >&2
