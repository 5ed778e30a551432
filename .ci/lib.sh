# lib.sh — helpers the .ci scripts source.

# is_ci: under a CI system? The rule of pkg/internal/ci (Go): CI,
# BUILD_NUMBER or RUN_ID set to anything but "", "false" or "0", so CI=1
# and CI=true mean the same. TestShellAgrees (pkg/internal/ci) checks both.
is_ci() {
	local v
	for v in "${CI:-}" "${BUILD_NUMBER:-}" "${RUN_ID:-}"; do
		[[ -n $v && $v != false && $v != 0 ]] && return 0
	done
	return 1
}
