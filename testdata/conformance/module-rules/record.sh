#!/usr/bin/env bash
# Records what `wrangler dev` answers on each config of this fixture, into
# wrangler-answers/, for pkg/conformance's TestWranglerModuleRules to compare
# valet dev with. Run from anywhere: testdata/conformance/module-rules/record.sh
# Needs node and npm (wrangler 4.86 is the last release on Node 20);
# WRANGLER=/path/to/wrangler skips the install.
set -euo pipefail

WRANGLER_VERSION=${WRANGLER_VERSION:-4.86}
here=$(cd "$(dirname "$0")" && pwd)
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
version=$("$wrangler" --version | tail -1)

cp -r "$here" "$work/app"
rm -rf "$work/app/wrangler-answers"
mkdir -p "$here/wrangler-answers"
for cfg in "$here"/*wrangler.jsonc; do
	cfg=$(basename "$cfg")
	echo "== $cfg" >&2
	# A free port: other dev servers may run on this machine.
	port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
	(cd "$work/app" && exec setsid "$wrangler" dev -c "$cfg" --ip 127.0.0.1 --port "$port" \
		>"$work/wrangler-$cfg.log" 2>&1) &
	pid=$!
	for _ in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || break
		curl -so /dev/null --max-time 2 "http://127.0.0.1:$port/" && break
		sleep 0.1
	done
	node "$here/record.mjs" "http://127.0.0.1:$port" "$here/wrangler-answers/${cfg%.jsonc}.json" "$version" "$cfg" || {
		cat "$work/wrangler-$cfg.log" >&2
		kill -- -"$pid" || true
		exit 1
	}
	kill -- -"$pid" || true
	wait "$pid" 2>/dev/null || true
done
echo "recorded wrangler $version answers in $here/wrangler-answers" >&2
