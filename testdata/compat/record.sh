#!/usr/bin/env bash
# Records what `wrangler dev` answers on each case of the compatibility
# fixture (worker/), into wrangler-answers.json, for pkg/conformance's
# TestCompat to compare valet dev with. Run from anywhere:
#   testdata/compat/record.sh
# Needs node and npm (wrangler 4.86 is the last release on Node 20).
set -euo pipefail

WRANGLER_VERSION=${WRANGLER_VERSION:-4.86}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -- -"$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

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
# The workerd that this wrangler runs (miniflare's dependency).
workerd=$(cd "$(dirname "$(readlink -f "$wrangler")")" && node -p 'require(require.resolve("workerd/package.json", {paths: [require.resolve("miniflare")]})).version')

cp -r "$here/worker" "$work/app"
rm -rf "$work/app/node_modules" "$work/app/.wrangler"
(cd "$work/app" && npm ci --no-audit --no-fund --loglevel=error >&2)

port=${PORT:-8799}
# The inspector's default port (9229) may be taken by another wrangler.
inspector=${INSPECTOR_PORT:-9339}
(cd "$work/app" && exec setsid "$wrangler" dev --ip 127.0.0.1 --port "$port" --inspector-port "$inspector" \
	>"$work/wrangler.log" 2>&1) &
pid=$!
for _ in $(seq 1 300); do
	curl -fso /dev/null "http://127.0.0.1:$port/" && break
	sleep 0.1
done
(cd "$repo" && go test ./pkg/conformance -count=1 -run '^TestCompat$' -v \
	-compat-record "http://127.0.0.1:$port" -compat-recorder "wrangler $version (workerd $workerd)") || {
	cat "$work/wrangler.log" >&2
	exit 1
}
echo "recorded wrangler $version (workerd $workerd) answers in $here/wrangler-answers.json" >&2
