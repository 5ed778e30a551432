#!/usr/bin/env bash
# bench/types.sh: `valet types` against `wrangler types` on the same project
# (the reference container-app config, testdata/typegen/reference), warm, in
# the same run, on this machine.
#
#   bench/types.sh               # wrangler from bench/node_modules when installed
#   RUNS=50 bench/types.sh       # hyperfine runs for wrangler (valet: 200)
#
# wrangler is optional: `npm install --prefix bench wrangler@4.86.0` (the last
# release that runs on Node 20). Target: valet types under 20 ms a run.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/valet-bench-types.XXXXXX)
trap 'rm -rf "$work"' EXIT
runs=${RUNS:-20}
target_ms=20

echo "== building valet" >&2
(cd "$repo" && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$work/valet" .)

app=$work/app
cp -R "$repo/testdata/typegen/reference" "$app"
# wrangler gets its own copy (it refuses to overwrite a file valet wrote),
# with the same config under its name: both tools read the same bindings
# (wrangler warns about valet's own keys and goes on).
wapp=$work/wrangler-app
cp -R "$repo/testdata/typegen/reference" "$wapp"
cp "$wapp/valet.jsonc" "$wapp/wrangler.jsonc"

json=$work/hf-valet.json
(cd "$app" && hyperfine -N --style basic --warmup 5 --runs 200 --export-json "$json" -n valet "$work/valet types") >&2
valet_ms=$(node -p "(require('$json').results[0].median * 1000).toFixed(1)")
valet_rss=$(cd "$app" && /usr/bin/time -f %M "$work/valet" types 2>&1 >/dev/null | tail -1)

wrangler=$repo/bench/node_modules/.bin/wrangler
wrangler_ms=- wrangler_rss=- ratio=- wrangler_version=absent
if [ -x "$wrangler" ]; then
  wrangler_version=$(node -p "require('$repo/bench/node_modules/wrangler/package.json').version")
  export WRANGLER_SEND_METRICS=false CI=true
  wjson=$work/hf-wrangler.json
  (cd "$wapp" && hyperfine -N --style basic --warmup 2 --runs "$runs" --export-json "$wjson" -n wrangler "$wrangler types") >&2
  wrangler_ms=$(node -p "(require('$wjson').results[0].median * 1000).toFixed(1)")
  wrangler_rss=$(cd "$wapp" && /usr/bin/time -f %M "$wrangler" types 2>&1 >/dev/null | tail -1)
  ratio=$(awk -v a="$wrangler_ms" -v b="$valet_ms" 'BEGIN { printf "%.0f", a / b }')
else
  echo "== wrangler not installed in bench/node_modules: npm install --prefix bench wrangler@4.86.0" >&2
fi

echo
echo "valet types bench: reference container-app config, wrangler $wrangler_version, $(nproc) cores, median, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-28s %10s %12s %10s %8s\n' "figure" "valet" "wrangler" "target" "ratio"
printf '%-28s %7s ms %9s ms %7s ms %7sx\n' "types, warm (wall)" "$valet_ms" "$wrangler_ms" "< $target_ms" "$ratio"
printf '%-28s %6s KiB %8s KiB\n' "max RSS" "$valet_rss" "$wrangler_rss"
if awk -v v="$valet_ms" -v t="$target_ms" 'BEGIN { exit !(v < t) }'; then
  echo "types target met: ${valet_ms} ms < ${target_ms} ms (wrangler ${wrangler_ms} ms, ${ratio}x)"
else
  echo "types target MISSED: ${valet_ms} ms >= ${target_ms} ms (wrangler ${wrangler_ms} ms)"
fi
