# valet's tasks. The scripts they call live in .ci/ so CI, the README and
# make run the very same commands.

GO      ?= go
BIN     ?= bin/valet
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/valet-dev/valet/cmd.version=$(VERSION)

.PHONY: build test demo bench generate fmt vet fuzz clean help

## build: a static binary in bin/valet
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

## test: the whole suite, with a Docker Engine (installs what is missing)
test:
	.ci/test

## demo: the container-app template under `valet dev` on http://127.0.0.1:8787
demo: build
	.ci/demo.sh

## bench: every bench/*.sh (BENCH=names for some), every figure beside its target; fails on a miss
bench: build
	VALET=$(abspath $(BIN)) bench/run.sh $(BENCH)

## generate: go generate (the JSON Schema, and anything else generated)
generate:
	$(GO) generate ./...

## fmt: gofmt the module's Go files in place
fmt:
	gofmt -w $$(git ls-files --cached --others --exclude-standard '*.go')

## vet: go vet
vet:
	$(GO) vet ./...

## fuzz: each Fuzz target for FUZZTIME (default 10s)
fuzz:
	.ci/fuzz.sh

## clean: built binaries, release output and the demo app
clean:
	rm -rf bin dist .valet/demo

help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)
