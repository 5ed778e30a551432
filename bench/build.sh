#!/usr/bin/env bash
# bench/build.sh: `valet build` against `vite build` on the same React 19 +
# TypeScript project (testdata/bundle/react-app, with testdata/bench/build's
# package.json, lockfile and valet.jsonc laid over it), in the same run, on
# this machine. Each side is the command a user runs, in a new process,
# timed by hyperfine with the same warm-up and the same number of runs;
# medians compared.
#
#   bench/build.sh            # RUNS=10 runs a side after WARMUP=2
#   RUNS=3 WARMUP=1 bench/build.sh
#   VALET=bin/valet bench/build.sh
#
# Cold: no output and no cache from an earlier build (valet: .valet and its
# out_dir removed before each run; vite: its outDir removed; vite keeps no
# build cache). Warm: built just before, nothing changed (valet finds its
# inputs unchanged and keeps the bundles; vite builds everything again).
# Both write the frontend only: index.html, JS chunks, CSS, the PNG.
# Targets: the README's Performance targets table (`build-cold`,
# `build-nochange`).
set -euo pipefail
source "$(dirname "$0")/lib.bash"

expect build-cold build-nochange
runs=${RUNS:-10}
warmup=${WARMUP:-2}
work=$(mktemp -d /tmp/valet-bench-build.XXXXXX)
cleanup() { rm -rf "$work"; }

valet=$(valet_binary "$work") || fail_unmeasured "valet did not build"
nm=$(deps "$bench_repo/testdata/bench/build") || fail_unmeasured "npm ci of testdata/bench/build failed"

app=$work/react-app
cp -R "$bench_repo/testdata/bundle/react-app" "$app"
cp "$bench_repo/testdata/bench/build/"{package.json,package-lock.json,valet.jsonc} "$app/"
ln -s "$nm" "$app/node_modules"
vite_version=$(node -p "require('$nm/vite/package.json').version")
react_version=$(node -p "require('$nm/react/package.json').version")

vite_cmd="node_modules/.bin/vite build --logLevel error --outDir dist-vite --emptyOutDir"
valet_cmd="$valet build --no-tui"

# hf NAME... : hyperfine on the named commands in the app; the JSON's path.
hf() {
	local json=$work/hyperfine-$1.json
	shift
	(cd "$app" && hyperfine --style basic --warmup "$warmup" --runs "$runs" --export-json "$json" "$@") >&2 || return 1
	echo "$json"
}
# stat JSON NAME FIELD: median_ms, or cpu_ms (user + sys, mean).
stat() {
	node -e '
		const r = require(process.argv[1]).results.find((x) => x.command === process.argv[2]);
		console.log(process.argv[3] === "cpu" ? ((r.user + r.system) * 1000).toFixed(1) : (r.median * 1000).toFixed(1));' "$1" "$2" "$3"
}

log "cold: $runs runs a side, outputs removed before each"
cold=$(hf cold --prepare "rm -rf dist-vite" -n vite "$vite_cmd" \
	--prepare "rm -rf .valet dist-valet" -n valet "$valet_cmd") || fail_unmeasured "a cold build failed (hyperfine's output is above)"
for d in dist-vite dist-valet; do
	ls "$app/$d/index.html" "$app/$d"/assets/*.js "$app/$d"/assets/*.css >/dev/null ||
		fail_unmeasured "$d lacks index.html, JS or CSS: the two builds did not do the same work"
done
log "warm: $runs runs a side, nothing changed"
warm=$(hf warm -n vite "$vite_cmd" -n valet "$valet_cmd") || fail_unmeasured "a warm build failed (hyperfine's output is above)"

vite_cold=$(stat "$cold" vite median) valet_cold=$(stat "$cold" valet median)
vite_warm=$(stat "$warm" vite median) valet_warm=$(stat "$warm" valet median)
bytes() { find "$app/$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }'; }

result build-cold "$(ratio "$vite_cold" "$valet_cold")" x \
	"median of $runs: valet build ${valet_cold} ms, vite build ${vite_cold} ms"
info build-cold-cpu "$(ratio "$(stat "$cold" vite cpu)" "$(stat "$cold" valet cpu)")x less" \
	"CPU user+sys (mean): valet $(stat "$cold" valet cpu) ms, vite $(stat "$cold" vite cpu) ms"
result build-nochange "$valet_warm" ms "median of $runs; vite build warm ${vite_warm} ms ($(ratio "$vite_warm" "$valet_warm")x)"
info build-bytes "$(bytes dist-valet) B" "output, all files: valet $(bytes dist-valet) B, vite $(bytes dist-vite) B"

finish "valet build vs vite build $vite_version: React $react_version + TypeScript, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
