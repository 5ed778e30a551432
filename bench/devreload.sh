#!/usr/bin/env bash
# bench/devreload.sh: edit-to-updated-page latency of `valet dev` against
# `vite` dev on the same app (the container-app template), in headless
# Chromium (chromedp): write src/App.tsx, wait for the new text in the DOM,
# no manual reload. Both apply the edit with React Fast Refresh (valet: the
# template's react-refresh, the edited module's chunk imported again); valet
# falls back to a page reload for what Fast Refresh cannot take. Both
# pre-bundle node_modules once (valet: .valet/dev/deps), so an edit rebuilds
# only the project's modules (valet: ~4 ms).
#
#   bench/devreload.sh                          # fresh temp dir, npm install, measure
#   VALET_BENCH_DIR=/tmp/vd bench/devreload.sh  # reuse an installed dir
#   RUNS=20 bench/devreload.sh                  # edits per server (default 10)
#
# Both sides: the same number of edits (RUNS, after one first edit that is
# reported apart), the median compared. Target: the README's Performance
# targets table (`devreload`; measured once on 2 shared cores, 20 edits:
# valet 36 ms, vite 48 ms).
set -euo pipefail
source "$(dirname "$0")/lib.bash"

expect devreload
repo=$bench_repo
work=${VALET_BENCH_DIR:-$(mktemp -d /tmp/valet-bench-devreload.XXXXXX)}
if [[ -z ${VALET_BENCH_DIR:-} ]]; then
  cleanup() { rm -rf "$work"; }
fi
mkdir -p "$work"
command -v chromium >/dev/null || fail_unmeasured "chromium is not installed (apt-get install chromium)"
valet=$(valet_binary "$work") || fail_unmeasured "valet did not build"

app=$work/valet-app
vapp=$work/vite-app
if [ ! -x "$vapp/node_modules/.bin/vite" ]; then
  rm -rf "$app" "$vapp"
  (cd "$work" && "$valet" init valet-app --template container-app --name bench-app --yes >/dev/null)
  echo "== npm install in $app" >&2
  (cd "$app" && npm install --no-audit --no-fund --loglevel=error >&2)
  cp -R "$app" "$vapp"
  cat >"$vapp/vite.config.ts" <<'VITE'
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
export default defineConfig({ plugins: [react()] });
VITE
  echo "== npm install vite @vitejs/plugin-react in $vapp" >&2
  (
    cd "$vapp"
    if ! npm install --no-audit --no-fund --loglevel=error vite@8 @vitejs/plugin-react@6 >&2 ||
      ! node_modules/.bin/vite --version >/dev/null 2>&1; then
      echo "== vite 8 failed here; using vite 7" >&2
      npm install --no-audit --no-fund --loglevel=error vite@7 @vitejs/plugin-react@5 >&2
    fi
  )
fi

# The template names no workerd yet: the one pinned by the edge benchmark's
# lockfile, unless the app or VALET_WORKERD has one.
[[ -e $app/node_modules/workerd ]] || use_workerd || fail_unmeasured "no workerd for valet dev"

# The template's app has a container: valet dev needs an engine (no image
# is pulled; the container is not used by what is measured here).
engine_up || fail_unmeasured "no Docker Engine for the template's container (DOCKER_HOST, or root to start one)"
vport=$(free_port)
wport=$(free_port)
spawn "$work/valet.log" "$app" "$valet" dev --no-tui --ip 127.0.0.1 --port "$vport"
wait_200 "http://127.0.0.1:$vport/" "$spawned_pid" "$work/valet.log" 60 || fail_unmeasured "valet dev did not serve the app"
spawn "$work/vite.log" "$vapp" node_modules/.bin/vite --port "$wport" --strictPort --host 127.0.0.1
wait_200 "http://127.0.0.1:$wport/" "$spawned_pid" "$work/vite.log" 60 || fail_unmeasured "vite did not serve the app"

vite_version=$(node -p "require('$vapp/node_modules/vite/package.json').version")
echo "== valet $("$valet" --version 2>/dev/null | head -1), vite $vite_version, $(chromium --version 2>/dev/null)" >&2
cd "$repo"
BENCH_SERVERS="valet vite" \
  BENCH_VALET_URL="http://127.0.0.1:$vport" BENCH_VALET_DIR="$app" \
  BENCH_VITE_URL="http://127.0.0.1:$wport" BENCH_VITE_DIR="$vapp" \
  go test ./pkg/devserver -run '^$' -bench '^BenchmarkDevReload$' -benchtime 1x -count=1 -v 2>&1 |
  grep -v -e '^=== RUN' -e '^--- ' -e '^PASS' -e '^ok ' -e '^Benchmark' -e '^goos:' -e '^goarch:' -e '^pkg:' -e '^cpu:' | tee "$work/result.txt" >&2 || true
# field SIDE KEY: a figure of the test's "BENCH side key=value..." line.
field() { awk -v s="$1" -v k="$2" '$1 == "BENCH" && $2 == s { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$work/result.txt"; }
v=$(field valet median_ms) w=$(field vite median_ms)
if [[ -n $v && -n $w ]]; then
  result devreload "$(ratio "$w" "$v")" x "median of $(field valet edits) edits: valet $v ms (p90 $(field valet p90_ms)), vite $w ms (p90 $(field vite p90_ms))"
  info devreload-first "$(field valet first_ms) ms" "the first edit after the page loaded: valet $(field valet first_ms) ms, vite $(field vite first_ms) ms"
else
  result devreload - x "the browser side did not finish (its output is above)"
fi

finish "valet dev vs vite $vite_version: edit to updated page in headless Chromium, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
