#!/usr/bin/env bash
# bench/deploy.sh: valet deploy to a Docker Engine host, three cases, time and
# bytes sent: the first deploy (edge image built from the valet binary, every
# file sent), a no-change redeploy, and an asset-only change. The floor is
# `docker save | docker load` of the same edge image on the same engine.
#
#   bench/deploy.sh                       # RUNS=3 no-change / asset-change deploys
#   VALET=/path/to/valet bench/deploy.sh
#
# The engine: DOCKER_HOST when it answers, else a private one (.ci/engine.sh).
# Targets: the README's Performance targets table (`deploy-nochange`,
# `deploy-nochange-bytes`: the worst of RUNS).
set -euo pipefail
source "$(dirname "$0")/lib.bash"

expect deploy-nochange deploy-nochange-bytes
runs=${RUNS:-3}
work=$(mktemp -d /tmp/valet-bench-deploy.XXXXXX)
app=bench-deploy-$$
port=$(free_port)
command -v node >/dev/null || { echo "bench/deploy.sh: node is needed to read the JSON results" >&2; exit 1; }
command -v docker >/dev/null || { echo "bench/deploy.sh: the docker CLI is needed for the save | load floor" >&2; exit 1; }

valet=$(valet_binary "$work") || fail_unmeasured "valet did not build"
use_workerd || fail_unmeasured "no workerd (npm ci of testdata/bench/edge failed)"
engine_up || fail_unmeasured "no Docker Engine (set DOCKER_HOST, or run as root to start one)"
cleanup() {
	(cd "$work" && "$valet" destroy --yes >/dev/null 2>&1) || true
	rm -rf "$work"
}

mkdir -p "$work/public/assets" "$work/worker"
cat >"$work/valet.jsonc" <<JSON
{ "name": "$app", "main": "worker/index.js", "compatibility_date": "2025-06-01",
  "assets": { "directory": "public", "run_worker_first": ["/api/*"] },
  "deploy": { "port": $port } }
JSON
echo 'export default { fetch(req) { return new Response("api " + new URL(req.url).pathname) } }' >"$work/worker/index.js"
echo '<!doctype html><h1>bench</h1>' >"$work/public/index.html"
for i in $(seq 1 200); do head -c 20000 /dev/urandom | base64 >"$work/public/assets/file-$i.txt"; done

# deploy: one `valet deploy --json`; prints "seconds bytes_sent" from its
# result line.
deploy() {
	local out
	out=$(cd "$work" && "$valet" deploy --ip 127.0.0.1 --json) || { echo "$out" | tail -n 5 >&2; return 1; }
	grep '"kind":"result"' <<<"$out" | tail -n 1 | node -e '
		const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
		const s = r.duration_ns !== undefined ? r.duration_ns / 1e9 : r.duration_ms / 1e3;
		if (!(s >= 0) || r.bytes_sent === undefined) throw new Error("no duration or bytes_sent in " + JSON.stringify(r));
		console.log(s.toFixed(3), r.bytes_sent);'
}
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 > b + 0) ? a : b }'; }

log "first deploy ($app on $DOCKER_HOST, port $port)"
read -r first_s first_b < <(deploy) || fail_unmeasured "the first deploy failed"
curl -fsS "http://127.0.0.1:$port/api/x" >/dev/null || fail_unmeasured "the deployed app does not answer on :$port"

nc_s=0 nc_b=0
for _ in $(seq 1 "$runs"); do
	read -r s b < <(deploy) || fail_unmeasured "a no-change deploy failed"
	nc_s=$(max "$nc_s" "$s") nc_b=$(max "$nc_b" "$b")
done

ac_s=0 ac_b=0
for r in $(seq 1 "$runs"); do
	echo "<p>change $r $RANDOM</p>" >>"$work/public/index.html"
	read -r s b < <(deploy) || fail_unmeasured "an asset-change deploy failed"
	ac_s=$(max "$ac_s" "$s") ac_b=$(max "$ac_b" "$b")
done

edge=$(docker image ls --format '{{.Repository}}:{{.Tag}}' valet-edge | head -1)
floor_b=$(docker save "$edge" | wc -c)
start=$(date +%s.%N)
docker save "$edge" | docker load >/dev/null
floor_s=$(node -e 'console.log((Number(process.argv[2])-Number(process.argv[1])).toFixed(3))' "$start" "$(date +%s.%N)")

info deploy-first "${first_s} s" "the first deploy sent ${first_b} B; the floor, docker save | docker load of the edge image: ${floor_s} s, ${floor_b} B"
result deploy-nochange "$nc_s" s "worst of $runs no-change deploys"
result deploy-nochange-bytes "$nc_b" B "bytes sent by the worst of $runs no-change deploys"
info deploy-asset-change "${ac_s} s" "worst of $runs deploys with one asset changed; ${ac_b} B sent"

finish "valet deploy to $DOCKER_HOST: 200 assets of 27 KB, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
