#!/usr/bin/env bash
# run.sh — `make bench`: run every bench/*.sh but this one, one after the
# other (they measure, so they must not share the 2 cores), then print every
# figure beside its target (the RESULT lines the scripts print, bench/lib.bash)
# and exit non-zero when a target was missed, could not be measured, or a
# script failed.
#
#   bench/run.sh [NAME...]   only the scripts whose names contain NAME
#   BENCH_TARGET_OVERRIDE="types=>= 1000x" bench/run.sh types   # a miss, exit 1
#
# A full run (no NAME) also checks that every target of the README's table
# was reported by some script: a target nothing measured is a miss.
# Each script's full output is kept in $BENCH_OUT (default a temp folder).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.bash"
trap - EXIT INT TERM # lib.bash's exit handler is for the scripts run below
out=${BENCH_OUT:-$(mktemp -d /tmp/valet-bench.XXXXXX)}
mkdir -p "$out"

scripts=()
for s in "$here"/*.sh; do
	[[ -e $s ]] || continue
	name=$(basename "$s")
	[[ $name == run.sh ]] && continue
	if (($# > 0)); then
		keep=false
		for want in "$@"; do [[ $name == *"$want"* ]] && keep=true; done
		$keep || continue
	fi
	scripts+=("$s")
done

if ((${#scripts[@]} == 0)); then
	echo "bench: no benchmark script matches $*" >&2
	exit 2
fi

# One engine for every script that needs one (they start their own when
# run alone): DOCKER_HOST when it answers, else a private one, stopped at
# the end.
if grep -l '^engine_up' "${scripts[@]}" >/dev/null; then
	trap 'engine_down' EXIT
	trap 'exit 130' INT TERM
	engine_up || echo "bench: no Docker Engine; the scripts that need one will say so" >&2
fi

runs=()
failed=0
for s in "${scripts[@]}"; do
	name=$(basename "$s" .sh)
	echo "==> $name" >&2
	start=$(date +%s.%N)
	bash "$s" 2>&1 | tee "$out/$name.log"
	status=${PIPESTATUS[0]}
	secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
	((status == 0)) || failed=$((failed + 1))
	runs+=("$name exit $status, ${secs}s")
done

# Every RESULT line: script, figure, value, target, result, detail.
rows=()
declare -A seen=()
for s in "${scripts[@]}"; do
	name=$(basename "$s" .sh)
	while IFS=$'\t' read -r _ id value target verdict detail; do
		rows+=("$name"$'\t'"$id"$'\t'"$value"$'\t'"$target"$'\t'"$verdict"$'\t'"$detail")
		seen[$id]=1
	done < <(grep $'^RESULT\t' "$out/$name.log")
done
if (($# == 0)); then
	while read -r id; do
		[[ -n ${seen[$id]:-} ]] && continue
		IFS=$'\t' read -r target _ <<<"$(target_row "$id")"
		rows+=("-"$'\t'"$id"$'\t'"not measured"$'\t'"$target"$'\t'"MISSED"$'\t'"no bench script reported it")
	done < <(target_ids)
fi

met=0 missed=0 infos=0
for r in "${rows[@]}"; do
	case $(cut -f5 <<<"$r") in
	ok) met=$((met + 1)) ;;
	info) infos=$((infos + 1)) ;;
	skipped*) ;;
	*) missed=$((missed + 1)) ;;
	esac
done

echo
echo "bench: every figure beside its target (README, Performance targets); $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
{
	printf 'SCRIPT\tFIGURE\tVALUE\tTARGET\tRESULT\tDETAIL\n'
	printf '%s\n' "${rows[@]}"
} | table
echo
printf 'bench: %s\n' "${runs[@]}"
echo "bench: $met targets met, $missed missed or not measured, $infos other figures; ${#scripts[@]} scripts, $failed failed; logs in $out"
((failed == 0 && missed == 0))
