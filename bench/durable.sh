#!/usr/bin/env bash
# bench/durable.sh: `valet dev` with Durable Objects whose containers run on
# a real Docker Engine (testdata/bench/durable: each object owns one
# container of a static test server in a FROM scratch image, built by valet
# through the Engine API).
#
#   bench/durable.sh                       # ROUNDS=7 DURATION=10 WARMUP=2
#   ROUNDS=2 DURATION=2 WARMUP=1 bench/durable.sh
#
# Figures:
#   dev-container   valet dev serves a container's answer, on an engine that
#                   speaks Engine API 1.41, with no image pulled (the engine's
#                   image events are read back).
#   container-cold  the first request to a new object until its container
#                   answers, against the bare Engine API doing the same
#                   (create on the network valet's containers are on, start,
#                   port, first answer), taking turns in one
#                   process (bench/durable-cold.mjs); medians of ROUNDS, and
#                   their difference is the figure.
#   warm            wrk -t2 -c32 on one object with its container running
#                   (worker, object, container), errors refused as in edge.sh.
# The engine: DOCKER_HOST when it answers, else a private one (.ci/engine.sh).
# Targets: the README's Performance targets table.
set -euo pipefail
source "$(dirname "$0")/lib.bash"

expect dev-container container-cold
rounds=${ROUNDS:-7}
duration=${DURATION:-10}
warmup=${WARMUP:-2}
work=$(mktemp -d /tmp/valet-bench-durable.XXXXXX)
cleanup() { rm -rf "$work"; }

valet=$(valet_binary "$work") || fail_unmeasured "valet did not build"
use_workerd || fail_unmeasured "no workerd (npm ci of testdata/bench/edge failed)"

engine_up || fail_unmeasured "no Docker Engine (set DOCKER_HOST, or run as root to start one)"
[[ $DOCKER_HOST == unix://* ]] || fail_unmeasured "DOCKER_HOST=$DOCKER_HOST: this script reads the engine over a unix socket"
sock=${DOCKER_HOST#unix://}
engine() { curl -sf --unix-socket "$sock" "http://engine$1"; }
api_version=$(engine /version | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).ApiVersion')
since=$(date +%s)

app=$work/app
cp -R "$bench_repo/testdata/bench/durable" "$app"
(cd "$bench_repo" && CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags '-s -w' -o "$app/server" ./testdata/durable/server)

port=$(free_port)
log "valet dev (builds the image, then serves) on $DOCKER_HOST, Engine API $api_version"
t0=$(now_ms)
spawn "$work/valet.log" "$app" "$valet" dev --no-tui --ip 127.0.0.1 --port "$port"
dev_pid=$spawned_pid
if wait_200 "http://127.0.0.1:$port/?name=warm" "$dev_pid" "$work/valet.log" 180; then
	first_ms=$(($(now_ms) - t0))
	pulls=$(engine "/events?since=$since&until=$(date +%s)&filters=%7B%22type%22%3A%5B%22image%22%5D%2C%22event%22%3A%5B%22pull%22%5D%7D" | grep -c . || true)
	detail="Engine API $api_version; $pulls image pulls; spawn to the container's first answer ${first_ms} ms (image build included)"
	if [[ $api_version != 1.41 ]]; then
		result dev-container - "" "the engine speaks API $api_version, not 1.41; $detail"
	elif ((pulls > 0)); then
		result dev-container no "" "$detail"
	else
		result dev-container yes "" "$detail"
	fi
else
	result dev-container no "" "valet dev gave no 200 from the container in 180 s (its log is above)"
	fail_unmeasured "valet dev did not serve the container"
fi

image=$(engine /images/json | node -e '
	const imgs = JSON.parse(require("fs").readFileSync(0, "utf8"));
	const tag = imgs.flatMap((i) => i.RepoTags || []).find((t) => t.startsWith("valet-durable-bench-"));
	if (tag) console.log(tag);')
if [[ -z $image ]]; then
	result container-cold - ms "the image valet built (valet-durable-bench-*) is not on the engine"
else
	# The bare side starts its containers on the network valet's are on.
	network=$(engine "/containers/json?filters=%7B%22ancestor%22%3A%5B%22$image%22%5D%7D" | node -e '
		const cs = JSON.parse(require("fs").readFileSync(0, "utf8"));
		const n = Object.keys(cs[0]?.NetworkSettings?.Networks || {})[0];
		if (n) console.log(n);')
	log "cold starts: $rounds rounds, bare engine and valet taking turns ($image, network ${network:-?})"
	if [[ -z $network ]]; then
		result container-cold - ms "no running container of $image to read valet's network from"
	elif cold=$(node "$bench_repo/bench/durable-cold.mjs" "$sock" "$image" "http://127.0.0.1:$port/" "$rounds" "$network"); then
		bare=$(node -p 'JSON.parse(process.argv[1]).bare.map((x) => x.toFixed(1)).join("\n")' "$cold" | median)
		vmed=$(node -p 'JSON.parse(process.argv[1]).valet.map((x) => x.toFixed(1)).join("\n")' "$cold" | median)
		result container-cold "$(awk -v a="$vmed" -v b="$bare" 'BEGIN { printf "%.1f", a - b }')" ms \
			"median of $rounds: valet ${vmed} ms, bare engine ${bare} ms (network $network)"
	else
		result container-cold - ms "the cold-start rounds failed (their output is above)"
	fi
fi

url="http://127.0.0.1:$port/?name=warm"
load "$url" "$warmup" >/dev/null
read -r rps _ p99 errs _ <<<"$(load "$url" "$duration")"
if [[ $errs == 0 ]]; then
	info container-warm "$rps req/s" "worker, object, container: wrk -t2 -c32 -d${duration}s, p99 $p99 ms"
else
	info container-warm "-" "$errs errors (status >= 400 or socket) in wrk -d${duration}s"
fi

finish "valet dev with Durable Object containers: Engine API $api_version, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
