#!/usr/bin/env bash
# fuzz.sh — `make fuzz`: run every Fuzz target in the module for a short time
# each (FUZZTIME, default 10s). go test -fuzz takes one target at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-10s}
found=0
failed=0
while IFS= read -r file; do
	dir=./$(dirname "$file")
	for name in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*\*testing\.F).*/\1/p' "$file"); do
		found=$((found + 1))
		echo "==> $dir $name ($fuzztime)"
		go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$dir" || failed=$((failed + 1))
	done
done < <(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '/node_modules/' | sed 's|^\./||' | sort)
echo "fuzz: $found targets, $failed failed"
((failed == 0))
