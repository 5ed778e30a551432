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
# Target: valet's median below vite's (2 shared cores, 20 edits: valet 36 ms,
# vite 48 ms; before the pre-bundle valet took 79 ms).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${VALET_BENCH_DIR:-$(mktemp -d /tmp/valet-bench-devreload.XXXXXX)}
valet=${VALET:-$repo/bin/valet}
mkdir -p "$work"
command -v chromium >/dev/null || { echo "devreload: chromium is not installed" >&2; exit 1; }
[ -x "$valet" ] || (cd "$repo" && CGO_ENABLED=0 go build -o "$valet" .)

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

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
vport=$(port)
wport=$(port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

(cd "$app" && exec "$valet" dev --no-tui --port "$vport" >"$work/valet.log" 2>&1) &
pids+=($!)
(cd "$vapp" && exec node_modules/.bin/vite --port "$wport" --strictPort --host 127.0.0.1 >"$work/vite.log" 2>&1) &
pids+=($!)
for url in "http://127.0.0.1:$vport/" "http://127.0.0.1:$wport/"; do
  for _ in $(seq 200); do curl -fs -o /dev/null "$url" && break; sleep 0.1; done
done

vite_version=$(node -p "require('$vapp/node_modules/vite/package.json').version")
echo "== valet $("$valet" --version 2>/dev/null | head -1), vite $vite_version, $(chromium --version 2>/dev/null)" >&2
cd "$repo"
BENCH_SERVERS="valet vite" \
  BENCH_VALET_URL="http://127.0.0.1:$vport" BENCH_VALET_DIR="$app" \
  BENCH_VITE_URL="http://127.0.0.1:$wport" BENCH_VITE_DIR="$vapp" \
  go test ./pkg/devserver -run '^$' -bench '^BenchmarkDevReload$' -benchtime 1x -count=1 2>&1 |
  grep -v -e '^=== RUN' -e '^--- ' -e '^PASS' -e '^ok ' -e '^Benchmark' -e '^goos:' -e '^goarch:' -e '^pkg:' -e '^cpu:' | tee "$work/result.txt"
grep -q '^devreload:' "$work/result.txt"
