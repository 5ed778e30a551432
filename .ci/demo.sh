#!/usr/bin/env bash
# demo.sh — `make demo`: the container-app template running under `valet dev`.
#
# Builds nothing itself (make builds bin/valet first). Finds or starts a
# Docker Engine the way the tests do (.ci/engine.sh), scaffolds the
# container-app template into .valet/demo when it is not there yet, installs
# its npm packages and runs `valet dev` in the foreground. Ctrl-C stops
# valet dev, then the engine this script started.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
valet=$root/bin/valet
demo=$root/.valet/demo
# A fixed place, so a second `make demo` reuses the engine while one runs; it
# lives under /tmp because dockerd's sockets need a short path.
engine=${VALET_DEMO_ENGINE:-/tmp/valet-demo-engine}

[[ -x $valet ]] || {
	echo "demo: $valet is missing; run make demo (it builds it)" >&2
	exit 1
}
command -v npm >/dev/null || {
	echo "demo: npm not found; install Node.js 20 or newer" >&2
	exit 1
}

"$root/.ci/deps.sh" docker.io iproute2

started=false
if env_line=$("$root/.ci/engine.sh" start "$engine"); then
	eval "$env_line"
	export DOCKER_HOST
	[[ -f $engine/started-by-valet ]] && started=true
else
	echo "demo: no Docker Engine could be started; the app's container will not run" >&2
fi
cleanup() { $started && "$root/.ci/engine.sh" stop "$engine" || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ ! -d $demo ]]; then
	mkdir -p "$(dirname "$demo")"
	"$valet" init "$demo" --template container-app --yes
fi
cd "$demo"
npm install --no-audit --no-fund
"$valet" dev "$@"
