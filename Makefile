# echospec — see README.md.
GO       ?= go
GINKGO   := $(GO) tool ginkgo
PROCS    ?= 3
PATIENCE ?= 1
PKGS      = $(shell $(GO) list ./... | grep -v '/spec$$')

.PHONY: all test unit spec fixtures lint vet staticcheck docs docs-check clean

all: lint test

## test: everything CI checks: lint, unit tests, the suite on the reference
## servers, and the fixture bank's verdicts.
test: lint unit spec fixtures docs-check

## unit: the Go unit tests of the kit and the reference servers.
unit:
	$(GO) test -count=1 $(PKGS)

## spec: the suite against every reference server in fixtures/targets.
spec:
	$(GINKGO) -p --procs=$(PROCS) ./spec -- --patience $(PATIENCE)

## fixtures: the suite on every student fixture; each verdict must match
## the IDs its manifest expects.
fixtures:
	$(GO) run ./tools/fixturecheck --procs $(PROCS) --patience $(PATIENCE) fixtures/students fixtures/hostile

lint: vet staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) tool staticcheck ./...

## docs: regenerate docs/catalogue.md from the suite itself.
docs:
	$(GO) run ./tools/catalogue > docs/catalogue.md

docs-check:
	@$(GO) run ./tools/catalogue | diff -u docs/catalogue.md - || { echo "docs/catalogue.md is stale: run make docs"; exit 1; }

clean:
	rm -rf out
