# bench/lib.bash: what the bench scripts share. Sourced, never run (run.sh
# runs bench/*.sh only).
#
# Targets. The README's "Performance targets" table is the one place they
# are written: target ID reads its row. A script reports each figure with
# `result ID VALUE UNIT DETAIL`, which compares it with the target and prints
# a RESULT line (run.sh gathers them into one table). A figure that could not
# be measured is reported with VALUE "-" and DETAIL saying why: it counts as
# a miss unless the row's anchor is marked optional. `expect ID...` names the
# targets a script measures, so one it stopped before reporting is a miss
# too. The script ends with `finish`, which prints its table and exits 1 on a
# miss.
#
# BENCH_TARGET_OVERRIDE="ID=TARGET;ID=TARGET" replaces targets for one run
# (e.g. "types=>= 1000x" to see `make bench` fail on a missed target).

bench_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_readme=$bench_repo/README.md

bench_rows=()
bench_missed=0
bench_finished=false
declare -A bench_expected=()

# On exit: stop the processes spawned, run the script's cleanup (when it
# defines one), and report a miss for each target a failed script did not
# get to.
bench_exit() {
	local rc=$? id
	trap - EXIT
	stop_all
	if declare -F cleanup >/dev/null; then cleanup || true; fi
	engine_down
	if ! $bench_finished; then
		for id in "${!bench_expected[@]}"; do
			result "$id" - "" "$(basename "$0") stopped (exit $rc) before measuring it"
		done
	fi
	exit "$rc"
}
trap bench_exit EXIT
trap 'exit 130' INT TERM

log() { echo "== $*" >&2; }

# target_ids: every id of the README's table.
target_ids() {
	awk '
		/^#+ / { in_sec = ($0 ~ /^#+ Performance targets/); next }
		in_sec && /^\| `/ { split($0, c, "|"); gsub(/[ `]/, "", c[2]); print c[2] }' "$bench_readme"
}

# target_row ID: prints "TARGET<TAB>ANCHOR<TAB>FIGURE" from the README table
# (or the override); nothing when the README has no such row.
target_row() {
	local id=$1 o
	if [[ -n ${BENCH_TARGET_OVERRIDE:-} ]]; then
		local IFS=';'
		for o in $BENCH_TARGET_OVERRIDE; do
			if [[ ${o%%=*} == "$id" ]]; then
				printf '%s\t%s\t%s\n' "${o#*=}" "(override)" "$id"
				return
			fi
		done
	fi
	# The section runs from its heading to the next heading; a row is
	# | `id` | figure | anchor | target |.
	awk -v id="$id" '
		/^#+ / { in_sec = ($0 ~ /^#+ Performance targets/) ; next }
		in_sec && /^\|/ {
			line = $0; gsub(/\\\|/, "\001", line) # an escaped | belongs to its cell
			n = split(line, c, "|")
			for (i = 2; i < n; i++) { gsub(/^[ \t]+|[ \t]+$/, "", c[i]); gsub(/`/, "", c[i]); gsub(/\001/, "|", c[i]) }
			if (c[2] == id) { printf "%s\t%s\t%s\n", c[5], c[4], c[3]; exit }
		}' "$bench_readme"
}

# expect ID...: the targets this script reports; finish turns any it did
# not report into a miss.
expect() {
	local id
	for id in "$@"; do
		[[ -n $(target_row "$id") ]] || { echo "bench: no target \"$id\" in the README's Performance targets table" >&2; exit 2; }
		bench_expected[$id]=1
	done
}

# to_base VALUE UNIT: the value in the unit's base (ms, bytes, ratio).
to_base() {
	awk -v v="$1" -v u="$2" 'BEGIN {
		f["x"] = 1; f["ms"] = 1; f["s"] = 1000; f["us"] = 0.001
		f["B"] = 1; f["KB"] = 1000; f["MB"] = 1e6; f["KiB"] = 1024; f["MiB"] = 1048576
		if (!(u in f)) { print "unit?"; exit 1 }
		printf "%.6f\n", v * f[u] }'
}

# base_of UNIT: which quantity a unit measures, so a figure in ms is never
# checked against a target in x.
base_of() {
	case $1 in
	x) echo ratio ;; ms | s | us) echo time ;; B | KB | MB | KiB | MiB) echo bytes ;; *) echo "$1" ;;
	esac
}

# result ID VALUE UNIT DETAIL: compare VALUE (in UNIT) with ID's target.
# VALUE "-" means not measured; DETAIL then says why.
result() {
	local id=$1 value=$2 unit=$3 detail=${4:-} row target anchor verdict
	row=$(target_row "$id")
	if [[ -z $row ]]; then
		echo "bench: result for \"$id\", which has no target in the README" >&2
		bench_missed=$((bench_missed + 1))
		return
	fi
	IFS=$'\t' read -r target anchor _ <<<"$row"
	unset "bench_expected[$id]"
	local op num tunit
	if [[ $target =~ ^(\>=|\>|\<=|\<|=)\ *([0-9.]+|[a-z]+)\ *([A-Za-z]*) ]]; then
		op=${BASH_REMATCH[1]} num=${BASH_REMATCH[2]} tunit=${BASH_REMATCH[3]}
	else
		echo "bench: $id: cannot read the target \"$target\" (want OP NUMBER UNIT, e.g. \">= 10x\" or \"< 300 ms\")" >&2
		op="?" num=0 tunit=$unit
	fi
	if [[ $value == - ]]; then
		if [[ $anchor == *optional* ]]; then
			verdict="skipped (optional anchor)"
		else
			verdict=MISSED
			bench_missed=$((bench_missed + 1))
		fi
		bench_row "$id" "not measured" "$target" "$verdict" "$detail"
		return
	fi
	if [[ $op == "?" ]]; then
		verdict=MISSED
	elif [[ $op == "=" ]]; then
		if [[ $value == "$num" ]]; then verdict=ok; else verdict=MISSED; fi
	elif [[ $(base_of "$unit") != $(base_of "$tunit") ]]; then
		echo "bench: $id: figure in $unit, target \"$target\" in $tunit" >&2
		verdict=MISSED
	else
		local a b
		a=$(to_base "$value" "$unit") b=$(to_base "$num" "$tunit")
		if awk -v a="$a" -v b="$b" -v op="$op" 'BEGIN {
			ok = (op == ">=") ? a >= b : (op == ">") ? a > b : (op == "<=") ? a <= b : (op == "<") ? a < b : 0
			exit !ok }'; then
			verdict=ok
		else
			verdict=MISSED
		fi
	fi
	[[ $verdict == ok ]] || bench_missed=$((bench_missed + 1))
	bench_row "$id" "$value${unit:+ $unit}" "$target" "$verdict" "$detail"
}

# info ID VALUE DETAIL: a figure without a target, shown beside the others.
info() { bench_row "$1" "$2" "-" "info" "${3:-}"; }

bench_row() {
	local line
	line=$(printf '%s\t%s\t%s\t%s\t%s' "$@")
	bench_rows+=("$line")
	printf 'RESULT\t%s\n' "$line"
}

# table: tab-separated lines on stdin as aligned columns.
table() {
	awk -F'\t' '
		{ for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } n = NR; if (NF > nf) nf = NF }
		END { for (r = 1; r <= n; r++) { for (i = 1; i < nf; i++) printf "%-*s  ", w[i], cell[r, i]; print cell[r, nf] } }'
}

# finish TITLE: report unreported expected targets, print the table, exit
# 1 when a target was missed.
finish() {
	local id
	bench_finished=true
	for id in "${!bench_expected[@]}"; do
		result "$id" - "" "the script stopped before measuring it (see its output above)"
	done
	echo
	echo "$1"
	{
		printf 'figure\tvalue\ttarget\tresult\tdetail\n'
		printf '%s\n' "${bench_rows[@]}"
	} | table
	echo
	if ((bench_missed > 0)); then
		echo "$(basename "$0" .sh): $bench_missed target(s) MISSED"
		exit 1
	fi
	echo "$(basename "$0" .sh): all targets met"
}

# fail_unmeasured REASON: report every expected target as not measured
# (the script cannot go on), then finish.
fail_unmeasured() {
	local id
	for id in "${!bench_expected[@]}"; do result "$id" - "" "$1"; done
	finish "$(basename "$0" .sh): could not measure"
}

# ratio A B: A / B with 2 decimals, "-" when either is missing or zero.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f\n", a / b; else print "-" }'; }

# median: the median of the numbers on stdin (one a line).
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# deps DIR: install DIR's package-lock.json with `npm ci` once into a cache
# keyed by the lockfile, and print that node_modules. The same tree then
# serves every run and every side of a comparison.
deps() {
	local dir=$1 sum cache
	sum=$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -c1-16)
	cache=${VALET_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/valet-bench}/$(basename "$dir")-$sum
	if [[ ! -f $cache/.done ]]; then
		log "npm ci $(basename "$dir") (package-lock.json) into $cache"
		rm -rf "$cache"
		mkdir -p "$cache"
		cp "$dir/package.json" "$dir/package-lock.json" "$cache/"
		(cd "$cache" && npm ci --no-audit --no-fund --loglevel=error >&2) || return 1
		touch "$cache/.done"
	fi
	echo "$cache/node_modules"
}

# engine_up: a Docker Engine for an app with containers: the one
# DOCKER_HOST names when it answers (run.sh starts one for every script),
# else a private one (.ci/engine.sh), stopped on exit.
bench_engine_run=
engine_up() {
	if [[ -n ${DOCKER_HOST:-} ]] && "$bench_repo/.ci/engine.sh" ping "$DOCKER_HOST"; then
		return 0
	fi
	bench_engine_run=$(mktemp -d /tmp/valet-bench-engine.XXXXXX)
	local env
	env=$("$bench_repo/.ci/engine.sh" start "$bench_engine_run") || return 1
	eval "$env"
	export DOCKER_HOST
}

engine_down() {
	[[ -n $bench_engine_run ]] || return 0
	"$bench_repo/.ci/engine.sh" stop "$bench_engine_run" || true
	rm -rf "$bench_engine_run"
	bench_engine_run=
}

# valet_binary DIR: the valet to measure: $VALET (make bench passes the one
# it built), else a fresh build into DIR. Prints its absolute path.
valet_binary() {
	if [[ -z ${VALET:-} ]]; then
		log "building valet"
		(cd "$bench_repo" && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$1/valet" .) || return 1
		echo "$1/valet"
		return
	fi
	realpath "$VALET"
}

# use_workerd: unless VALET_WORKERD names one, the workerd that
# testdata/bench/edge's lockfile pins (installed by deps), for the apps
# that have no node_modules/workerd of their own.
use_workerd() {
	[[ -z ${VALET_WORKERD:-} ]] || return 0
	local nm
	nm=$(deps "$bench_repo/testdata/bench/edge") || return 1
	export VALET_WORKERD=$nm/workerd/bin/workerd
}

# Process groups this script started; stopped on exit.
bench_pgids=()

# spawn LOG DIR CMD...: start CMD in DIR in a process group of its own;
# sets spawned_pid.
spawn() {
	local logf=$1 dir=$2
	shift 2
	(cd "$dir" && exec setsid "$@" >>"$logf" 2>&1) &
	spawned_pid=$!
	bench_pgids+=("$spawned_pid")
}

# stop_group PGID: TERM the group, KILL it after 5 s.
stop_group() {
	local g=$1 i keep=() x
	if kill -TERM -- "-$g" 2>/dev/null; then
		for ((i = 0; i < 50; i++)); do
			kill -0 -- "-$g" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL -- "-$g" 2>/dev/null || true
	fi
	wait "$g" 2>/dev/null || true
	for x in "${bench_pgids[@]}"; do [[ $x == "$g" ]] || keep+=("$x"); done
	bench_pgids=("${keep[@]}")
}

stop_all() {
	local g
	for g in "${bench_pgids[@]}"; do stop_group "$g"; done
}

# wait_200 URL PID LOG TIMEOUT_S: poll URL until it answers 200; fails when
# PID exits or time runs out (the log's tail goes to stderr).
wait_200() {
	local url=$1 pid=$2 logf=$3 deadline=$(($(now_ms) + ${4:-60} * 1000)) code
	while :; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)
		[[ $code == 200 ]] && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			log "exited before $url answered 200; the end of its log:"
			tail -n 20 "$logf" >&2
			return 1
		fi
		if (($(now_ms) > deadline)); then
			log "$url did not answer 200 in time (last status $code); the end of the log:"
			tail -n 20 "$logf" >&2
			return 1
		fi
		sleep 0.005
	done
}

# tree_pids PID: PID and all its descendants.
tree_pids() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2; pids[NR] = $1 }
		END {
			keep[root] = 1
			do { changed = 0; for (i in pids) { p = pids[i]; if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 } } } while (changed)
			for (p in keep) print p
		}'
}

# tree_rss_kib PID: VmRSS summed over PID and all its descendants.
tree_rss_kib() {
	tree_pids "$1" | while read -r p; do
		awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true
	done | awk '{ s += $1 } END { print s + 0 }'
}

# tree_cpu_ticks PID: user + system CPU time of PID and its descendants,
# in clock ticks (getconf CLK_TCK a second).
tree_cpu_ticks() {
	tree_pids "$1" | while read -r p; do
		awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || true
	done | awk '{ s += $1 } END { print s + 0 }'
}

# load URL SECONDS: wrk -t2 -c32 on URL with bench/wrk.lua. Prints
# "served_rps p50_ms p99_ms errors served" where errors counts responses
# >= 400 and socket errors (connect, read, write, timeout); served_rps and
# served count only the other responses. The raw output goes to
# $work/wrk.log.
load() {
	local url=$1 secs=$2 out
	out=$(timeout $((secs + 30)) wrk -t2 -c32 -d"${secs}s" --timeout 5s -s "$bench_repo/bench/wrk.lua" "$url" 2>&1) || {
		echo "wrk failed on $url: $out" >>"$work/wrk.log"
		echo "- - - wrk-failed 0"
		return
	}
	printf '%s\n%s\n' "== $url" "$out" >>"$work/wrk.log"
	awk '/^WRK / {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		bad = f["status"] + f["connect"] + f["read"] + f["write"] + f["timeout"]
		printf "%.0f %.2f %.2f %d %d\n", (f["requests"] - f["status"]) / (f["duration_us"] / 1e6), f["p50_us"] / 1000, f["p99_us"] / 1000, bad, f["requests"] - f["status"]
		found = 1 }
		END { if (!found) print "- - - no-summary 0" }' <<<"$out"
}
