#!/usr/bin/env bash
# bench/build.sh: valet's in-process build (pkg/bundle, esbuild's Go API)
# against `vite build` on the same React 19 + TypeScript sources
# (testdata/bundle/react-app), in the same run, on this machine.
#
#   bench/build.sh            # fresh temp dir, npm install, then measure
#   VALET_BENCH_DIR=/tmp/vb bench/build.sh   # reuse an installed dir
#   RUNS=10 bench/build.sh    # hyperfine runs per command (default 5)
#
# Targets: frontend build 5x faster than vite build; a no-change rebuild of
# the whole valet build (frontend + worker) under 100 ms.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${VALET_BENCH_DIR:-$(mktemp -d /tmp/valet-bench-build.XXXXXX)}
runs=${RUNS:-5}
app=$work/react-app
mkdir -p "$work"

if [ ! -x "$app/node_modules/.bin/vite" ]; then
  rm -rf "$app"
  cp -R "$repo/testdata/bundle/react-app" "$app"
  mkdir -p "$app/worker"
  cp -R "$repo/testdata/bundle/worker-ts/src/." "$app/worker/"
  echo "== npm install react@19 react-dom@19 vite @vitejs/plugin-react in $app" >&2
  (
    cd "$app"
    # Vite 8 needs Node >= 20.19; fall back to Vite 7 (and plugin-react 5) when it fails here.
    if npm install --no-audit --no-fund --loglevel=error react@19 react-dom@19 vite@8 @vitejs/plugin-react@6 >&2 &&
      node_modules/.bin/vite build --logLevel error >/dev/null 2>&1; then
      :
    else
      echo "== vite 8 failed here; using vite 7" >&2
      npm install --no-audit --no-fund --loglevel=error react@19 react-dom@19 vite@7 @vitejs/plugin-react@5 >&2
    fi
  )
fi
vite_version=$(node -p "require('$app/node_modules/vite/package.json').version")
react_version=$(node -p "require('$app/node_modules/react/package.json').version")

echo "== building buildbench" >&2
(cd "$repo" && go build -o "$work/buildbench" ./pkg/bundle/internal/buildbench)

# Both commands build the same sources into their own dir, cold, in a new process.
json=$work/hyperfine.json
(cd "$app" && hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$json" \
  -n vite "node_modules/.bin/vite build --logLevel error --outDir dist-vite --emptyOutDir" \
  -n valet "$work/buildbench -root $app -out $app/dist-valet -rebuilds 0") >&2

# Wall time suffers when the 2 shared cores are busy; CPU time (user + sys,
# children included) is the steadier figure on a loaded machine.
read -r vite_ms valet_ms vite_cpu valet_cpu < <(node -e '
const r = require(process.argv[1]).results;
const get = n => r.find(x => x.command === n);
const ms = n => (get(n).median * 1000).toFixed(1);
const cpu = n => ((get(n).user + get(n).system) * 1000).toFixed(1);
console.log(ms("vite"), ms("valet"), cpu("vite"), cpu("valet"));' "$json")

# In-process figures: the cold build alone, and no-change rebuilds of frontend + worker.
inproc=$("$work/buildbench" -root "$app" -out "$app/dist-valet" -worker worker/index.ts -rebuilds 30)
get() { awk -v k="$1" '$1 == k { print $2 }' <<<"$inproc"; }

vite_bytes=$(find "$app/dist-vite" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
valet_bytes=$(get frontend_bytes)
ratio=$(awk -v a="$vite_ms" -v b="$valet_ms" 'BEGIN { printf "%.1f", a / b }')
rebuild=$(get rebuild_nochange_median_ms)

echo
echo "valet build bench: React $react_version + TypeScript, vite $vite_version, $(nproc) cores, median of $runs runs, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-44s %10s %10s %12s %8s\n' "figure" "valet" "vite" "target" "ratio"
printf '%-44s %8s ms %8s ms %12s %7sx\n' "frontend build, cold process (wall)" "$valet_ms" "$vite_ms" ">= 5x faster" "$ratio"
printf '%-44s %8s ms %8s ms %12s %7sx\n' "frontend build, cold process (CPU user+sys)" "$valet_cpu" "$vite_cpu" ">= 5x less" \
  "$(awk -v a="$vite_cpu" -v b="$valet_cpu" 'BEGIN { printf "%.1f", a / b }')"
printf '%-44s %8s ms %10s %12s %8s\n' "frontend build, in-process cold" "$(get frontend_cold_ms)" "-" "" ""
printf '%-44s %8s ms %10s %12s %8s\n' "worker build, in-process cold" "$(get worker_cold_ms)" "-" "" ""
printf '%-44s %8s ms %10s %12s %8s\n' "no-change rebuild, frontend + worker (median)" "$rebuild" "-" "< 100 ms" \
  "$(awk -v r="$rebuild" 'BEGIN { print (r < 100 ? "ok" : "MISSED") }')"
printf '%-44s %10s %10s\n' "output bytes (all files)" "$valet_bytes" "$vite_bytes"
awk -v r="$ratio" 'BEGIN { exit !(r >= 5) }' && echo "frontend target met (${ratio}x)" || echo "frontend target MISSED (${ratio}x < 5x)"
