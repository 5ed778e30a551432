#!/usr/bin/env bash
# bench/types.sh: `valet types` against `wrangler types` on the same project
# (the reference container-app config, testdata/typegen/reference), in the
# same run, on this machine: hyperfine, the same warm-up runs and the same
# number of runs on both sides, medians compared.
#
#   bench/types.sh              # RUNS=20 runs a side after WARMUP=3
#   RUNS=3 WARMUP=1 bench/types.sh
#
# "Warm": both commands have run before (the warm-up), so the figures are
# the commands' own work with the files in the page cache; neither keeps a
# cache of its own between runs. wrangler is the pinned 4.86.0 of
# testdata/bench/edge's lockfile (the last release that runs on Node 20).
# Target: the README's Performance targets table (`types`).
set -euo pipefail
source "$(dirname "$0")/lib.bash"

expect types
runs=${RUNS:-20}
warmup=${WARMUP:-3}
work=$(mktemp -d /tmp/valet-bench-types.XXXXXX)
cleanup() { rm -rf "$work"; }

valet=$(valet_binary "$work") || fail_unmeasured "valet did not build"
nm=$(deps "$bench_repo/testdata/bench/edge") || fail_unmeasured "npm ci of testdata/bench/edge (wrangler) failed"
wrangler=$nm/.bin/wrangler
wrangler_version=$(node -p "require('$nm/wrangler/package.json').version")

app=$work/app
cp -R "$bench_repo/testdata/typegen/reference" "$app"
# wrangler gets its own copy (it refuses to overwrite a file valet wrote),
# with the same config under its name: both tools read the same bindings
# (wrangler warns about valet's own keys and goes on).
wapp=$work/wrangler-app
cp -R "$bench_repo/testdata/typegen/reference" "$wapp"
cp "$wapp/valet.jsonc" "$wapp/wrangler.jsonc"
export WRANGLER_SEND_METRICS=false CI=true

# bench NAME DIR CMD: hyperfine's median and mean, in ms.
bench() {
	local name=$1 dir=$2 cmd=$3 json=$work/hyperfine-$1.json
	(cd "$dir" && hyperfine -N --style basic --warmup "$warmup" --runs "$runs" --export-json "$json" -n "$name" "$cmd") >&2 || return 1
	node -e 'const r = require(process.argv[1]).results[0]; console.log((r.median * 1000).toFixed(1), (r.mean * 1000).toFixed(1))' "$json"
}
read -r valet_ms valet_mean < <(bench valet "$app" "$valet types") || fail_unmeasured "valet types failed"
valet_rss=$(cd "$app" && /usr/bin/time -f %M "$valet" types 2>&1 >/dev/null | tail -1)
if read -r wrangler_ms wrangler_mean < <(bench wrangler "$wapp" "$wrangler types"); then
	wrangler_rss=$(cd "$wapp" && /usr/bin/time -f %M "$wrangler" types 2>&1 >/dev/null | tail -1)
	result types "$(ratio "$wrangler_ms" "$valet_ms")" x \
		"median of $runs: valet ${valet_ms} ms, wrangler ${wrangler_ms} ms; max RSS valet ${valet_rss} KiB, wrangler ${wrangler_rss} KiB"
else
	result types - x "wrangler types $wrangler_version failed (its output is above); valet ${valet_ms} ms"
fi
info types-valet "$valet_ms ms" "valet types alone: median of $runs (mean $valet_mean ms)"

finish "valet types vs wrangler types $wrangler_version: reference container-app config, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
