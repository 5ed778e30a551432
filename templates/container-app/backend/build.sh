#!/bin/sh
# Compiles the backend into backend/server: a static Linux binary that the
# Dockerfile copies into an empty image. valet runs this script as the
# config's build.command, before each build and when backend/ changes in
# valet dev. Needs Go (https://go.dev/dl); uses the standard library only,
# so it builds offline.
set -eu
cd "$(dirname "$0")"
# Containers run Linux. Set GOARCH when the engine runs on another CPU
# architecture than this machine (e.g. GOARCH=amd64 ./backend/build.sh).
export CGO_ENABLED=0 GOOS=linux GOWORK=off
exec go build -trimpath -buildvcs=false -ldflags="-s -w" -o server .
