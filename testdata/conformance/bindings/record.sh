#!/usr/bin/env bash
# Records what `wrangler dev` answers to each binding fixture's /run (kv,
# d1, r2, queues, workflows, services, cron), into wrangler-answers/, for
# pkg/conformance's TestWranglerBindings to compare valet dev with. Run
# from anywhere:
# testdata/conformance/bindings/record.sh. Needs node and npm (wrangler 4.86
# is the last release on Node 20); WRANGLER=path skips the install.
set -euo pipefail

WRANGLER_VERSION=${WRANGLER_VERSION:-4.86}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
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

port=8799
# KINDS picks fixtures (default: all of them).
for kind in ${KINDS:-kv d1 r2 queues workflows services cron}; do
	echo "== $kind" >&2
	cp -r "$here/$kind" "$work/$kind"
	# services runs with its other worker, as wrangler dev -c a -c b.
	configs=()
	if [ "$kind" = services ]; then
		configs=(-c wrangler.jsonc -c other/wrangler.jsonc)
	fi
	# Fresh storage each time: /run expects empty bindings.
	(cd "$work/$kind" && CI=1 WRANGLER_SEND_METRICS=false exec setsid "$wrangler" dev "${configs[@]}" --ip 127.0.0.1 --port "$port" \
		--persist-to "$work/$kind-state" >"$work/wrangler-$kind.log" 2>&1) &
	pid=$!
	for _ in $(seq 1 300); do
		[ "$(curl -so /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready" || true)" = 404 ] && break
		sleep 0.1
	done
	(cd "$repo" && go test ./pkg/conformance -count=1 -run "TestWranglerBindings/^${kind}\$" \
		-wrangler-url "http://127.0.0.1:$port" -wrangler-version "$version") || {
		cat "$work/wrangler-$kind.log" >&2
		kill -- -"$pid" || true
		exit 1
	}
	kill -- -"$pid" || true
	wait "$pid" 2>/dev/null || true
done
echo "recorded wrangler $version answers in $here/wrangler-answers" >&2
