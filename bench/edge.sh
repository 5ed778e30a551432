#!/usr/bin/env bash
# bench/edge.sh: `valet dev` against `wrangler dev` and against raw workerd
# on the same app (testdata/bench/edge), in the same run, on this machine.
#
#   bench/edge.sh                 # defaults: DURATION=12 ROUNDS=3 WARMUP=2 STARTS=5 MEM_REQUESTS=1000
#   DURATION=2 ROUNDS=1 WARMUP=1 STARTS=2 MEM_REQUESTS=200 bench/edge.sh   # a short check
#   VALET=bin/valet bench/edge.sh # this binary instead of a fresh build
#
# The app: a Workers-syntax worker with a trivial route (/api/hello), a Hono
# route, three routes that do real work per request (React renderToString of
# ~500 elements, marked on 40 sections, a JSON round trip of 2,000 objects:
# src/work.ts) and the assets of an SPA. Its package-lock.json pins every
# package, wrangler 4.86.0 and workerd included; all three sides use that
# install (bench/lib.bash, deps).
#
# The three sides, each as its user starts it:
#   valet     `valet dev` (Go edge + its workerd), workerd from the app's
#             node_modules.
#   workerd   the same workerd binary, `workerd serve` of workerd.capnp: the
#             bundle `valet build` wrote, the date and vars of wrangler.jsonc,
#             nothing in front. The runtime's own figures: the ones to meet.
#   wrangler  `wrangler dev` (node + miniflare + its own workerd), run with
#             NODE_ENV=production so that React runs its production build as
#             in valet's bundle (wrangler dev defaults to development).
#
# Figures:
#   start   spawn to the first 200 from the worker (/api/hello), median of
#           STARTS; cold (no .valet / .wrangler left from a previous start)
#           and warm (restarted in place) reported apart.
#   req/s   wrk -t2 -c32 on each route, after WARMUP seconds of the same:
#           ROUNDS windows of DURATION/ROUNDS seconds per side, the sides
#           taking turns window by window (each round starts with the next
#           side), and the median window per side. A machine's load drifts
#           over seconds (on these VMs one binary gave 10-21k req/s in
#           windows a minute apart); taking turns window by window gives the
#           drift to every side alike. Only 2xx/3xx answers count: a response
#           >= 400 or a socket error fails the row (bench/wrk.lua). wrk
#           shares the 2 cores with the server, the same for every side.
#   CPU     the CPU time (user + system) the side's whole process tree spent
#           per served request over its windows, shown beside req/s: it
#           depends far less on what else runs on the machine.
#   memory  the peak RSS of the side's whole process tree (sampled every
#           0.5 s) while it serves the same MEM_REQUESTS requests on each
#           route (bench/requests.mjs, 32 connections), before the
#           throughput windows; the peak through those windows is shown too.
# Targets: the README's Performance targets table.
set -euo pipefail
source "$(dirname "$0")/lib.bash"

expect dev-start trivial-workerd trivial-wrangler ssr-workerd markdown-workerd json-workerd asset-wrangler memory-wrangler
duration=${DURATION:-12}
rounds=${ROUNDS:-3}
window=$((duration / rounds))
((window >= 1)) || window=1
warmup=${WARMUP:-2}
starts=${STARTS:-5}
mem_requests=${MEM_REQUESTS:-1000}
work=$(mktemp -d /tmp/valet-bench-edge.XXXXXX)
cleanup() { rm -rf "$work"; }

command -v wrk >/dev/null || { echo "bench/edge.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

valet=$(valet_binary "$work") || fail_unmeasured "valet did not build"

fixture=$bench_repo/testdata/bench/edge
nm=$(deps "$fixture") || fail_unmeasured "npm ci of testdata/bench/edge failed"
# valet finds the app's node_modules/workerd itself; naming it makes sure
# valet and the raw anchor run the very same binary.
export VALET_WORKERD=${VALET_WORKERD:-$nm/workerd/bin/workerd}
wrangler=$nm/.bin/wrangler
wrangler_version=$(node -p "require('$nm/wrangler/package.json').version")
workerd_version=$("$VALET_WORKERD" --version)
log "$("$valet" --version | head -1); $workerd_version; wrangler $wrangler_version"

sides=(valet workerd wrangler)
for side in "${sides[@]}"; do
	cp -R "$fixture" "$work/$side"
	rm -rf "$work/$side/node_modules" "$work/$side/.valet" "$work/$side/.wrangler"
	ln -s "$nm" "$work/$side/node_modules"
done

# The raw anchor serves what `valet build` bundles, with the date wrangler.jsonc names.
log "valet build (the raw workerd anchor's bundle)"
(cd "$work/workerd" && "$valet" build --no-tui >"$work/build.log" 2>&1) || {
	cat "$work/build.log" >&2
	fail_unmeasured "valet build of the app failed"
}
date_jsonc=$(grep -o '"compatibility_date": *"[0-9-]*"' "$fixture/wrangler.jsonc" | grep -o '[0-9-]\{10\}')
date_capnp=$(grep -o 'compatibilityDate = "[0-9-]*"' "$fixture/workerd.capnp" | grep -o '[0-9-]\{10\}')
[[ $date_jsonc == "$date_capnp" ]] ||
	fail_unmeasured "testdata/bench/edge: workerd.capnp's compatibilityDate $date_capnp differs from wrangler.jsonc's $date_jsonc"

export CI=true WRANGLER_SEND_METRICS=false
# command SIDE PORT: the command line that serves SIDE on PORT.
command_of() {
	case $1 in
	valet) echo "$valet" dev --ip 127.0.0.1 --port "$2" --no-tui ;;
	workerd) echo "$VALET_WORKERD" serve workerd.capnp --socket-addr "http=127.0.0.1:$2" ;;
	wrangler) echo env NODE_ENV=production "$wrangler" dev --ip 127.0.0.1 --port "$2" \
		--inspector-port "$(free_port)" --show-interactive-dev-session=false ;;
	esac
}

# clean SIDE: remove what a first start in a fresh checkout does not find
# (raw workerd keeps no state; its .valet holds the bundle it serves).
clean() { [[ $1 == workerd ]] || rm -rf "$work/$1/.valet" "$work/$1/.wrangler"; }

# serve SIDE: start SIDE and wait for the worker's first 200; sets
# served_pid, served_port and served_ms (spawn to that 200).
serve() {
	local side=$1 t0
	served_port=$(free_port)
	local cmd
	read -r -a cmd <<<"$(command_of "$side" "$served_port")"
	t0=$(now_ms)
	spawn "$work/$side.log" "$work/$side" "${cmd[@]}"
	served_pid=$spawned_pid
	wait_200 "http://127.0.0.1:$served_port/api/hello" "$served_pid" "$work/$side.log" 90 || return 1
	served_ms=$(($(now_ms) - t0))
}

# Start times: STARTS cold, then STARTS warm, per side.
declare -A start_ms=() up=()
for side in "${sides[@]}"; do
	up[$side]=true
	for kind in cold warm; do
		times=()
		for ((i = 0; i < starts; i++)); do
			[[ $kind == cold ]] && clean "$side"
			if ! serve "$side"; then
				up[$side]=false
				break 2
			fi
			times+=("$served_ms")
			stop_group "$served_pid"
		done
		start_ms[$side,$kind]=$(printf '%s\n' "${times[@]}" | median)
		log "$side: start $kind ${start_ms[$side,$kind]} ms (median of $starts: ${times[*]})"
	done
done

# Serving: every side up at once; the sides take turns on each route.
routes=(trivial:/api/hello hono:/api/hono/bench ssr:/api/ssr markdown:/api/markdown json:/api/json asset:/assets/app.js)
declare -A port=() pid=() rps=() p99=() errs=() cpu=() why=()
hz=$(getconf CLK_TCK)
for side in "${sides[@]}"; do
	${up[$side]} || { why[$side]="$side did not start (its log is above)"; continue; }
	if serve "$side"; then
		port[$side]=$served_port pid[$side]=$served_pid
	else
		up[$side]=false why[$side]="$side did not start (its log is above)"
	fi
done

# on SIDE ROUTE: does SIDE serve ROUTE? (raw workerd has no assets)
on() { ${up[$1]} && ! [[ $1 == workerd && $2 == asset ]]; }

for side in "${sides[@]}"; do
	for r in "${routes[@]}"; do
		on "$side" "${r%%:*}" || continue
		code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${port[$side]}${r#*:}")
		if [[ $code != 200 ]]; then
			log "$side: GET ${r#*:} answered $code"
			up[$side]=false why[$side]="$side answered $code on ${r#*:}"
			break
		fi
	done
done

# sample SIDE FILE: the side's tree RSS every 0.5 s into FILE, in the
# background; sets sampler (its pid).
sample() {
	(
		while kill -0 "${pid[$1]}" 2>/dev/null; do
			tree_rss_kib "${pid[$1]}"
			sleep 0.5
		done
	) >"$2" &
	sampler=$!
}
# peak_mib FILE: the largest sample, in MiB.
peak_mib() {
	local kib
	kib=$(sort -n "$1" | tail -n 1)
	echo $(((${kib:-0} + 512) / 1024))
}

# Memory: each side serves the same MEM_REQUESTS requests on every route
# (32 connections) while its RSS is sampled, before anything else loads it.
declare -A rss=() rss_load=() mem_bad=()
for side in "${sides[@]}"; do
	${up[$side]} || continue
	log "$side: memory while serving $mem_requests requests on each route"
	sample "$side" "$work/$side.rss"
	for r in "${routes[@]}"; do
		on "$side" "${r%%:*}" || continue
		read -r _ bad < <(node "$bench_repo/bench/requests.mjs" "http://127.0.0.1:${port[$side]}${r#*:}" "$mem_requests" 32) ||
			bad="bench/requests.mjs failed"
		[[ $bad == 0 ]] || mem_bad[$side]+="${r#*:}: $bad errors; "
	done
	tree_rss_kib "${pid[$side]}" >>"$work/$side.rss"
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	rss[$side]=$(peak_mib "$work/$side.rss")
done

# Throughput: on each route, a warm-up per side, then ROUNDS rounds in
# which every side has one window, in turn.
for r in "${routes[@]}"; do
	name=${r%%:*} path=${r#*:}
	route_sides=()
	for side in "${sides[@]}"; do
		on "$side" "$name" && route_sides+=("$side")
	done
	declare -A wins=() p99s=() ticks=() served=()
	for side in "${route_sides[@]}"; do
		log "$side: $path: wrk ${warmup}s warm-up"
		load "http://127.0.0.1:${port[$side]}$path" "$warmup" >/dev/null
		wins[$side]="" p99s[$side]="" ticks[$side]=0 served[$side]=0 errs[$side,$name]=0
	done
	n=${#route_sides[@]}
	for ((round = 0; round < rounds; round++)); do
		for ((k = 0; k < n; k++)); do
			side=${route_sides[$(((round + k) % n))]}
			url="http://127.0.0.1:${port[$side]}$path"
			sample "$side" "$work/$side.rss-load.$round"
			c0=$(tree_cpu_ticks "${pid[$side]}")
			read -r w_rps _ w_p99 w_errs w_served <<<"$(load "$url" "$window")"
			c1=$(tree_cpu_ticks "${pid[$side]}")
			kill "$sampler" 2>/dev/null || true
			wait "$sampler" 2>/dev/null || true
			cat "$work/$side.rss-load.$round" >>"$work/$side.rss-load"
			log "$side: $path: window $((round + 1))/$rounds: $w_rps req/s (${window}s)"
			wins[$side]+="$w_rps"$'\n' p99s[$side]+="$w_p99"$'\n'
			ticks[$side]=$((ticks[$side] + c1 - c0))
			[[ $w_served == - ]] || served[$side]=$((served[$side] + w_served))
			if [[ $w_errs =~ ^[0-9]+$ ]]; then
				[[ ${errs[$side,$name]} =~ ^[0-9]+$ ]] && errs[$side,$name]=$((errs[$side,$name] + w_errs))
			else
				errs[$side,$name]=$w_errs
			fi
		done
	done
	for side in "${route_sides[@]}"; do
		rps[$side,$name]=$(printf '%s' "${wins[$side]}" | median)
		p99[$side,$name]=$(printf '%s' "${p99s[$side]}" | median)
		# CPU time a served request cost the side's processes, over every
		# window: steadier than req/s when other work shares the cores.
		cpu[$side,$name]=$(awk -v t="${ticks[$side]}" -v hz="$hz" -v n="${served[$side]}" 'BEGIN { if (n > 0) printf "%.0f", t * 1e6 / hz / n; else print "-" }')
	done
	unset wins p99s ticks served
done
for side in "${sides[@]}"; do
	${up[$side]} && rss_load[$side]=$(peak_mib "$work/$side.rss-load")
done
stop_all

# figure SIDE NAME: "N req/s (p99 M ms)", or why there is none.
figure() {
	local s=$1 n=$2
	if ! on "$s" "$n"; then
		echo "$s: ${why[$s]:-no such route}"
	elif [[ ${errs[$s,$n]} != 0 ]]; then
		echo "$s: ${errs[$s,$n]} errors (status >= 400 or socket)"
	else
		echo "$s ${rps[$s,$n]} req/s (p99 ${p99[$s,$n]} ms, CPU ${cpu[$s,$n]} us/req)"
	fi
}
# clean_rps SIDE NAME: req/s when measured without errors, else "-".
clean_rps() {
	if on "$1" "$2" && [[ ${errs[$1,$2]} == 0 && ${rps[$1,$2]} != - ]]; then echo "${rps[$1,$2]}"; else echo -; fi
}
# compare ID NAME ANCHOR: valet's req/s on NAME over ANCHOR's.
compare() {
	local id=$1 n=$2 a=$3 v w
	v=$(clean_rps valet "$n") w=$(clean_rps "$a" "$n")
	local detail="$(figure valet "$n"); $(figure "$a" "$n")"
	[[ $a == workerd ]] && on wrangler "$n" && detail+="; $(figure wrangler "$n")"
	if [[ $v == - || $w == - ]]; then
		result "$id" - x "$detail"
	else
		result "$id" "$(ratio "$v" "$w")" x "$detail"
	fi
}

starts_of() {
	local s=$1
	${up[$s]} || [[ -n ${start_ms[$s,warm]:-} ]] || { echo "$s: did not start"; return; }
	echo "$s cold ${start_ms[$s,cold]:--} ms, warm ${start_ms[$s,warm]:--} ms"
}
if [[ -n ${start_ms[valet,cold]:-} ]]; then
	result dev-start "${start_ms[valet,cold]}" ms "median of $starts; $(starts_of valet); $(starts_of wrangler); $(starts_of workerd)"
else
	result dev-start - ms "valet dev did not start"
fi
info dev-start-warm "${start_ms[valet,warm]:--} ms" "valet dev restarted in place (median of $starts); $(starts_of wrangler)"
compare trivial-workerd trivial workerd
compare trivial-wrangler trivial wrangler
info hono "$(ratio "$(clean_rps valet hono)" "$(clean_rps workerd hono)")x workerd" "$(figure valet hono); $(figure workerd hono); $(figure wrangler hono)"
compare ssr-workerd ssr workerd
compare markdown-workerd markdown workerd
compare json-workerd json workerd
compare asset-wrangler asset wrangler
if [[ -n ${mem_bad[valet]:-}${mem_bad[wrangler]:-} ]]; then
	result memory-wrangler - x "errors while serving the same requests: valet: ${mem_bad[valet]:-none}; wrangler: ${mem_bad[wrangler]:-none}"
elif [[ -n ${rss[valet]:-} && -n ${rss[wrangler]:-} ]]; then
	result memory-wrangler "$(ratio "${rss[valet]}" "${rss[wrangler]}")" x \
		"peak RSS serving $mem_requests requests a route: valet + workerd ${rss[valet]} MiB; wrangler (node + workerd) ${rss[wrangler]} MiB; raw workerd ${rss[workerd]:--} MiB"
else
	result memory-wrangler - x "valet: ${why[valet]:-measured}; wrangler: ${why[wrangler]:-measured}"
fi
info memory-under-load "${rss_load[valet]:--} MiB" "peak RSS through the throughput windows (a faster side serves more requests): valet ${rss_load[valet]:--} MiB, raw workerd ${rss_load[workerd]:--} MiB, wrangler ${rss_load[wrangler]:--} MiB"

finish "valet dev vs raw workerd ($workerd_version) vs wrangler dev $wrangler_version: testdata/bench/edge, wrk -t2 -c32, median of $rounds windows of ${window}s per side, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
