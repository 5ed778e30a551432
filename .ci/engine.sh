#!/usr/bin/env bash
# engine.sh — one place that finds or starts a Docker Engine for the test
# suite (.ci/test) and the demo (.ci/demo.sh).
#
#   engine.sh start RUN   prints `export DOCKER_HOST=…` for eval. Uses the
#                         engine DOCKER_HOST names when it answers; otherwise
#                         starts a private dockerd whose state lives in RUN.
#   engine.sh stop RUN    stops the dockerd that `start RUN` started (nothing
#                         when it started none) and removes RUN.
#   engine.sh env         prints `export DOCKER_HOST=…` when an engine answers.
#   engine.sh ping [HOST] exits 0 when the engine at HOST (or DOCKER_HOST) answers.
#
# Networking. Containers must be reachable from the host on a port published
# on 127.0.0.1 (and by their IP). On these machines (Debian docker.io 20.10,
# root, no systemd) every variant below starts and publishes ports; they are
# tried in order and the first that answers wins:
#   own        a bridge made here for this engine alone (valetPID, a free
#              172.30.N.0/24), without iptables: -p goes through docker-proxy.
#              The default: docker0 is not safe to share, because any dockerd
#              started with --bridge=none (pkg/engine/enginetest, a test's
#              second host) deletes docker0 at start-up, under a running engine.
#   bridge     the default bridge docker0 with iptables (Docker's default;
#              works here until another dockerd removes docker0)
#   noipt      docker0 without iptables
#   none       --bridge=none: no default bridge; valet's own networks still work
# VALET_ENGINE_NET=own|bridge|noipt|none forces one.
#
# Firewall. Where br_netfilter is loaded, frames bridged between two
# containers cross the host's iptables FORWARD chain, whose policy a system
# dockerd sets to DROP (it stays DROP after that dockerd stops). dockerd
# with iptables accepts its bridges' traffic by rules of its own; without
# (own, noipt, none) this script appends one rule, tagged with RUN, that
# accepts bridged frames (-m physdev --physdev-is-bridged; routed traffic
# keeps the host's policy), and removes it at stop: the engine works under
# either policy (pkg/engine/enginetest does the same for its engines).
set -euo pipefail

WAIT_SECONDS=${VALET_ENGINE_WAIT:-30}

log() { echo "engine: $*" >&2; }

# ping HOST: does an engine answer at HOST (unix://… or tcp://…)?
ping_engine() {
	local host=$1
	[[ -n $host ]] || return 1
	if command -v docker >/dev/null; then
		DOCKER_HOST=$host timeout 5 docker version --format '{{.Server.APIVersion}}' >/dev/null 2>&1
		return
	fi
	case $host in
	unix://*) [[ $(timeout 5 curl -s --unix-socket "${host#unix://}" http://engine/_ping 2>/dev/null) == OK ]] ;;
	tcp://*) [[ $(timeout 5 curl -s "http://${host#tcp://}/_ping" 2>/dev/null) == OK ]] ;;
	*) return 1 ;;
	esac
}

# own_bridge RUN: create a bridge for this engine alone; prints its name.
own_bridge() {
	local run=$1 name="valet$$"
	name=${name:0:15}
	# A free /24 in 172.30.0.0/16, starting from the pid so that engines
	# started side by side spread out. dockerd then leaves 172.30/16 out of
	# the pools it gives to networks (it avoids subnets the host routes).
	local n net=""
	for i in $(seq 0 249); do
		n=$((($$ + i) % 250 + 1))
		if [[ -z $(ip -4 route show "172.30.$n.0/24" 2>/dev/null) ]]; then
			net="172.30.$n"
			break
		fi
	done
	[[ -n $net ]] || {
		log "no free /24 in 172.30.0.0/16 for a private bridge"
		return 1
	}
	ip link add name "$name" type bridge || return 1
	echo "$name" >"$run/bridge"
	ip addr add "$net.1/24" dev "$name" && ip link set "$name" up || return 1
	echo "$name"
}

# forward_tables: the iptables commands whose FORWARD chain filters this
# host's traffic: the one `iptables` is (what dockerd uses), and the other
# of nft and legacy when its FORWARD policy is DROP (both filter a packet).
forward_tables() {
	command -v iptables >/dev/null || return 0
	echo iptables
	local version other marker
	version=$(iptables --version 2>/dev/null || true)
	for other in iptables-nft:nf_tables iptables-legacy:legacy; do
		marker=${other#*:} other=${other%%:*}
		command -v "$other" >/dev/null || continue
		[[ $version != *"($marker)"* ]] || continue
		# Listing legacy tables would create them: look only when they exist.
		[[ $other != iptables-legacy ]] || grep -qx filter /proc/net/ip_tables_names 2>/dev/null || continue
		"$other" -w -S FORWARD 2>/dev/null | grep -qx -- '-P FORWARD DROP' && echo "$other"
	done
	return 0
}

# allow_bridged RUN: accept bridged frames in FORWARD for this engine; the
# commands that took the rule are kept in RUN/iptables for disallow_bridged.
allow_bridged() {
	local run=$1 t
	for t in $(forward_tables); do
		if "$t" -w -A FORWARD -m physdev --physdev-is-bridged -m comment --comment "valet-engine $run" -j ACCEPT 2>/dev/null; then
			echo "$t" >>"$run/iptables"
		else
			log "could not add the bridged-traffic rule with $t: containers may not reach each other under FORWARD policy DROP"
		fi
	done
}

disallow_bridged() {
	local run=$1 t
	[[ -f $run/iptables ]] || return 0
	for t in $(cat "$run/iptables"); do
		"$t" -w -D FORWARD -m physdev --physdev-is-bridged -m comment --comment "valet-engine $run" -j ACCEPT 2>/dev/null || true
	done
	rm -f "$run/iptables"
}

start_dockerd() {
	local run=$1 variant=$2
	local args=(--host "unix://$run/docker.sock" --data-root "$run/data" --exec-root "$run/exec"
		--pidfile "$run/docker.pid")
	case $variant in
	bridge) ;;
	noipt) args+=(--iptables=false) ;;
	own)
		local br
		br=$(own_bridge "$run") || {
			stop_dockerd "$run" keep
			return 1
		}
		args+=(--iptables=false --bridge="$br")
		;;
	none) args+=(--iptables=false --bridge=none) ;;
	*)
		log "unknown VALET_ENGINE_NET=$variant (want own, bridge, noipt or none)"
		return 2
		;;
	esac
	# setsid: the engine must not get the terminal's Ctrl-C before the trap stops it.
	setsid dockerd "${args[@]}" >>"$run/dockerd.log" 2>&1 </dev/null &
	local pid=$!
	echo "$pid" >"$run/dockerd.pid"
	local deadline=$((SECONDS + WAIT_SECONDS))
	while ((SECONDS < deadline)); do
		if ping_engine "unix://$run/docker.sock"; then
			echo "$variant" >"$run/variant"
			[[ $variant == bridge ]] || allow_bridged "$run"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	log "dockerd ($variant) did not answer; last lines of $run/dockerd.log:"
	tail -n 5 "$run/dockerd.log" >&2 || true
	stop_dockerd "$run" keep
	return 1
}

# empty_engine RUN: remove the engine's containers and networks and print
# its bridges' link names. dockerd keeps a user-defined network's bridge
# across a stop, and with its data root gone nothing would ever remove it:
# enough of them use up Docker's address pools for every engine after.
empty_engine() {
	local sock=unix://$1/docker.sock
	command -v docker >/dev/null && ping_engine "$sock" || return 0
	local ids id
	ids=$(DOCKER_HOST=$sock timeout 20 docker ps -aq 2>/dev/null || true)
	[[ -z $ids ]] || DOCKER_HOST=$sock timeout 30 docker rm -f $ids >/dev/null 2>&1 || true
	for id in $(DOCKER_HOST=$sock timeout 10 docker network ls -q --no-trunc --filter driver=bridge 2>/dev/null || true); do
		echo "br-${id:0:12}"
		DOCKER_HOST=$sock timeout 10 docker network rm "$id" >/dev/null 2>&1 || true
	done
}

# sweep_stale_bridges: with no dockerd running at all, every br-* link is
# a left-over of an engine that was killed; remove them (see empty_engine).
sweep_stale_bridges() {
	pgrep -x dockerd >/dev/null && return 0
	local l
	for l in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^br-' || true); do
		ip link delete "$l" 2>/dev/null && log "removed the stale bridge $l"
	done
	return 0
}

stop_dockerd() {
	local run=$1 keep=${2:-} links
	links=$(empty_engine "$run")
	if [[ -f $run/dockerd.pid ]]; then
		local pid
		pid=$(cat "$run/dockerd.pid")
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			for _ in $(seq 1 75); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.2
			done
			kill -KILL "$pid" 2>/dev/null || true
		fi
		rm -f "$run/dockerd.pid"
	fi
	# dockerd unmounts its layers on a clean exit; after a KILL some stay.
	local mnt
	for mnt in $(awk -v r="$run/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
		umount -l "$mnt" 2>/dev/null || true
	done
	disallow_bridged "$run"
	if [[ -f $run/bridge ]]; then
		ip link delete "$(cat "$run/bridge")" 2>/dev/null || true
		rm -f "$run/bridge"
	fi
	local l
	for l in $links; do
		ip link delete "$l" 2>/dev/null || true
	done
	[[ $keep == keep ]] || rm -rf "$run"
}

cmd_start() {
	local run=${1:?usage: engine.sh start RUN}
	if [[ -n ${DOCKER_HOST:-} ]] && ping_engine "$DOCKER_HOST"; then
		log "using the engine at $DOCKER_HOST"
		echo "export DOCKER_HOST=$DOCKER_HOST"
		return 0
	fi
	[[ -z ${DOCKER_HOST:-} ]] || log "DOCKER_HOST=$DOCKER_HOST does not answer; starting a private engine"
	if ping_engine "unix://$run/docker.sock"; then
		log "reusing the engine at unix://$run/docker.sock"
		echo "export DOCKER_HOST=unix://$run/docker.sock"
		return 0
	fi
	if ! command -v dockerd >/dev/null; then
		log "dockerd not found; install Debian's docker.io (.ci/deps.sh docker.io)"
		return 1
	fi
	if ((EUID != 0)); then
		log "starting dockerd needs root; run as root or set DOCKER_HOST to a running engine"
		return 1
	fi
	mkdir -p "$run"
	sweep_stale_bridges
	local variants=(own bridge noipt none)
	[[ -z ${VALET_ENGINE_NET:-} ]] || variants=("$VALET_ENGINE_NET")
	local v
	for v in "${variants[@]}"; do
		if start_dockerd "$run" "$v"; then
			touch "$run/started-by-valet"
			log "started dockerd ($v networking) at unix://$run/docker.sock"
			echo "export DOCKER_HOST=unix://$run/docker.sock"
			return 0
		fi
	done
	log "no variant of dockerd started; see $run/dockerd.log"
	return 1
}

cmd_stop() {
	local run=${1:?usage: engine.sh stop RUN}
	[[ -f $run/started-by-valet || -f $run/dockerd.pid ]] || return 0
	stop_dockerd "$run"
	log "stopped the engine in $run"
}

cmd_env() {
	if [[ -n ${DOCKER_HOST:-} ]] && ping_engine "$DOCKER_HOST"; then
		echo "export DOCKER_HOST=$DOCKER_HOST"
		return 0
	fi
	return 1
}

case ${1:-} in
start) cmd_start "${2:-}" ;;
stop) cmd_stop "${2:-}" ;;
env) cmd_env ;;
ping) ping_engine "${2:-${DOCKER_HOST:-}}" ;;
*)
	echo "usage: engine.sh start RUN | stop RUN | env | ping [HOST]" >&2
	exit 2
	;;
esac
