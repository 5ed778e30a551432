#!/usr/bin/env bash
# run.sh — `make bench`: run every bench/*.sh but this one, one after the
# other (they measure, so they must not share the 2 cores), then print a table:
# script, exit status, wall time, and the last line the script printed (by
# convention its result, with the ratio to wrangler beside the figures).
#
#   bench/run.sh [NAME...]   only the scripts whose names contain NAME
#
# Each script's full output is kept in $BENCH_OUT (default a temp folder).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
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
	echo "bench: no benchmark scripts in $here" >&2
	exit 0
fi

rows=()
failed=0
for s in "${scripts[@]}"; do
	name=$(basename "$s" .sh)
	echo "==> $name" >&2
	start=$(date +%s.%N)
	bash "$s" 2>&1 | tee "$out/$name.log"
	status=${PIPESTATUS[0]}
	secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	last=$(grep -v '^[[:space:]]*$' "$out/$name.log" | tail -n 1 | cut -c1-100)
	((status == 0)) || failed=$((failed + 1))
	rows+=("$name"$'\t'"$status"$'\t'"${secs}s"$'\t'"$last")
done

echo
{
	printf 'BENCHMARK\tSTATUS\tTIME\tRESULT\n'
	printf '%s\n' "${rows[@]}"
} | awk -F'\t' '
	{ for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } n = NR; nf = NF }
	END { for (r = 1; r <= n; r++) { for (i = 1; i < nf; i++) printf "%-*s  ", w[i], cell[r, i]; print cell[r, nf] } }'
echo
echo "bench: ${#scripts[@]} scripts, $failed failed; logs in $out"
((failed == 0))
