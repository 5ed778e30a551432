#!/usr/bin/env bash
# Records what `wrangler dev` answers on each config of this fixture, into
# wrangler-answers/, for pkg/conformance's TestWranglerRouting to compare
# valet dev with. Run from anywhere: testdata/conformance/hono-spa/record.sh
# Needs node and npm (wrangler 4.86 is the last release on Node 20).
set -euo pipefail

WRANGLER_VERSION=${WRANGLER_VERSION:-4.86}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# WRANGLER: a wrangler binary already installed, to skip the install.
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
rm -rf "$work/app/wrangler-answers" "$work/app/node_modules"
(cd "$work/app" && npm install --no-audit --no-fund --loglevel=error >&2)

port=8799
for cfg in "$here"/*wrangler.jsonc; do
	cfg=$(basename "$cfg")
	echo "== $cfg" >&2
	(cd "$work/app" && exec setsid "$wrangler" dev -c "$cfg" --ip 127.0.0.1 --port "$port" \
		>"$work/wrangler-$cfg.log" 2>&1) &
	pid=$!
	for _ in $(seq 1 300); do
		curl -fso /dev/null "http://127.0.0.1:$port/robots.txt" && break
		sleep 0.1
	done
	(cd "$repo" && go test ./pkg/conformance -count=1 -run "TestWranglerRouting/^${cfg//./\\.}\$" \
		-wrangler-url "http://127.0.0.1:$port" -wrangler-version "$version") || {
		cat "$work/wrangler-$cfg.log" >&2
		kill -- -"$pid" || true
		exit 1
	}
	kill -- -"$pid" || true
	wait "$pid" 2>/dev/null || true
done
echo "recorded wrangler $version answers in $here/wrangler-answers" >&2
