#!/usr/bin/env bash
# deps.sh PACKAGE... — install the Debian packages that are missing, and only
# those. Quick and silent when everything is present, so every entry point
# (.ci/test, make demo) can call it unconditionally.
set -euo pipefail

missing=()
for pkg in "$@"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

sudo=()
if ((EUID != 0)); then
	if ! command -v sudo >/dev/null; then
		echo "deps: missing Debian packages: ${missing[*]}; install them as root (apt-get install ${missing[*]})" >&2
		exit 1
	fi
	sudo=(sudo)
fi

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >&2
# docker.io's recommends (apparmor, needrestart) change how the engine and
# apt behave on a container-like host; its dependencies are all it needs.
lean=() full=()
for pkg in "${missing[@]}"; do
	case $pkg in docker.io) lean+=("$pkg") ;; *) full+=("$pkg") ;; esac
done
((${#lean[@]} == 0)) || "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${lean[@]}" >&2
((${#full[@]} == 0)) || "${sudo[@]}" apt-get install -y -qq "${full[@]}" >&2
