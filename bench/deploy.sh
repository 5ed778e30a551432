#!/usr/bin/env bash
# bench/deploy.sh: valet deploy to a Docker Engine host, three cases, time and
# bytes sent: the first deploy (edge image built from the valet binary, every
# file sent), a no-change redeploy, and an asset-only change. The floor is
# `docker save | docker load` of the same edge image on the same engine.
#
#   bench/deploy.sh                       # bin/valet (make build), DOCKER_HOST or the shared test engine
#   VALET=/path/to/valet bench/deploy.sh
#   RUNS=5 bench/deploy.sh                # no-change / asset-change repetitions (default 3)
#
# Target: a no-change redeploy under 2 s sending under 100 KB.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
valet=${VALET:-$repo/bin/valet}
runs=${RUNS:-3}
export DOCKER_HOST=${DOCKER_HOST:-unix:///tmp/valet-dockerd/docker.sock}
[ -x "$valet" ] || { echo "bench/deploy.sh: $valet missing; run make build" >&2; exit 1; }
command -v node >/dev/null || { echo "bench/deploy.sh: node is needed to read the JSON results" >&2; exit 1; }

work=$(mktemp -d /tmp/valet-bench-deploy.XXXXXX)
app=bench-deploy-$$
port=$((20000 + RANDOM % 20000))
cleanup() { (cd "$work" && "$valet" destroy --yes >/dev/null 2>&1) || true; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/public/assets" "$work/worker"
cat >"$work/valet.jsonc" <<JSON
{ "name": "$app", "main": "worker/index.js", "compatibility_date": "2025-06-01",
  "assets": { "directory": "public", "run_worker_first": ["/api/*"] },
  "deploy": { "port": $port } }
JSON
echo 'export default { fetch(req) { return new Response("api " + new URL(req.url).pathname) } }' >"$work/worker/index.js"
echo '<!doctype html><h1>bench</h1>' >"$work/public/index.html"
for i in $(seq 1 200); do head -c 20000 /dev/urandom | base64 >"$work/public/assets/file-$i.txt"; done

# result FIELD: read a field of the last --json result line.
deploy() { (cd "$work" && "$valet" deploy --ip 127.0.0.1 --json) | grep '"kind":"result"' | tail -1; }
field() { node -e 'const r=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(r[process.argv[1]])' "$1"; }
secs() { node -e 'console.log((Number(process.argv[1])/1e9).toFixed(3))' "$1"; }

echo "== first deploy ($app on $DOCKER_HOST, port $port)" >&2
first=$(deploy)
first_s=$(secs "$(echo "$first" | field duration_ns)"); first_b=$(echo "$first" | field bytes_sent)
curl -fsS "http://127.0.0.1:$port/api/x" >/dev/null

nc_s=0; nc_b=0
for r in $(seq 1 "$runs"); do
  res=$(deploy)
  nc_s=$(node -e 'console.log(Math.max(Number(process.argv[1]), Number(process.argv[2])/1e9).toFixed(3))' "$nc_s" "$(echo "$res" | field duration_ns)")
  nc_b=$(echo "$res" | field bytes_sent)
done

ac_s=0; ac_b=0
for r in $(seq 1 "$runs"); do
  echo "<p>change $r $RANDOM</p>" >>"$work/public/index.html"
  res=$(deploy)
  ac_s=$(node -e 'console.log(Math.max(Number(process.argv[1]), Number(process.argv[2])/1e9).toFixed(3))' "$ac_s" "$(echo "$res" | field duration_ns)")
  ac_b=$(echo "$res" | field bytes_sent)
done

edge=$(docker image ls --format '{{.Repository}}:{{.Tag}}' valet-edge | head -1)
floor_b=$(docker save "$edge" | wc -c)
start=$(date +%s.%N)
docker save "$edge" | docker load >/dev/null
floor_s=$(node -e 'console.log((Number(process.argv[2])-Number(process.argv[1])).toFixed(3))' "$start" "$(date +%s.%N)")

printf '%-22s %10s %14s\n' case seconds bytes_sent
printf '%-22s %10s %14s\n' "first deploy" "$first_s" "$first_b"
printf '%-22s %10s %14s\n' "no-change (worst)" "$nc_s" "$nc_b"
printf '%-22s %10s %14s\n' "asset change (worst)" "$ac_s" "$ac_b"
printf '%-22s %10s %14s\n' "floor: save|load edge" "$floor_s" "$floor_b"
echo "deploy: first ${first_s}s/${first_b}B (save|load floor ${floor_s}s/${floor_b}B), no-change ${nc_s}s/${nc_b}B (target <2s, <100KB), asset change ${ac_s}s/${ac_b}B"
