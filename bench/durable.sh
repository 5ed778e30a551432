#!/usr/bin/env bash
# durable.sh — Durable Objects with containers on a real Docker Engine:
# cold start (first request to a new object until its container answers)
# against the bare engine doing the same (create + start + port ready +
# first answer) in the same run, and warm requests through worker, object
# and container (p50, requests/s). Target: cold-start overhead under 50 ms.
# Needs an engine (DOCKER_HOST, the shared /tmp/valet-dockerd, or root to
# start a private one).
set -euo pipefail
cd "$(dirname "$0")/.."
go test -count=1 -run '^$' -bench '^BenchmarkDurable$' -benchtime 1x ./pkg/containers/ 2>&1 |
	grep -E '^(cold start|warm|RESULT|--- FAIL|FAIL|panic|\s+\S+_test.go)' | sed 's/^RESULT //'
