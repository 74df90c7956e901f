# echospec — see README.md.
GO       ?= go
GINKGO   := $(GO) tool ginkgo
PROCS    ?= 3
PATIENCE ?= 1
PKGS      = $(shell $(GO) list ./... | grep -v '/spec$$')
# RACE_PKGS are the packages whose unit tests run under the race detector:
# all of PKGS but tools/internal/check, tools/internal/bundle and
# tools/echospec, whose tests build the tool and run it as a child process
# (in a pty; as Gradescope would), where the detector would watch only the
# test's own driver; they are also the longest (29 s and 43 s without it,
# 2 shared cores). Under the detector the rest takes 71 s instead of 38 s
# there, once compiled; the race build from a cold cache adds about 135 s
# of CPU.
RACE_PKGS = $(shell $(GO) list ./... | grep -v -E '/spec$$|/tools/(internal/check|internal/bundle|echospec)$$')

.PHONY: all test unit race spec fixtures lint vet vet-ports tidy staticcheck docs docs-check clean

all: lint test

## test: everything CI checks: lint, unit tests (race-checked), the suite
## on the reference servers, and the fixture bank's verdicts.
test: deps
	$(MAKE) --no-print-directory lint unit spec fixtures docs-check platforms-check

## deps: the Debian packages the tests need beyond Go (gcc, liburing-dev,
## Debian's python3 with gevent, node, Java, Rust, chromium). A check that
## only looks (command -v, a header, an import) and ends at once when all
## is there; what is missing it installs with apt-get as root, otherwise it
## prints the one command to run and make stops. CI runs it as a step of
## its own (.ci/run), so make test then finds everything and changes
## nothing; it stays a prerequisite of test so that the README's make test
## works on a fresh machine that has only Go.
.PHONY: deps
deps:
	@sh tools/deps/deps.sh

## unit: the Go unit tests of the kit and the reference servers: those of
## RACE_PKGS under the race detector (make race), the rest without.
unit: race
	$(GO) test -count=1 $(filter-out $(RACE_PKGS),$(PKGS))

## race: the unit tests of RACE_PKGS (the library packages, the reference
## servers, the tools that run in-process) under the race detector.
race:
	$(GO) test -race -count=1 $(RACE_PKGS)

## spec: the suite against every reference server in fixtures/targets.
spec:
	$(GINKGO) -p --procs=$(PROCS) ./spec -- --patience $(PATIENCE)

## fixtures: grade every student and hostile fixture; each verdict must
## match the IDs its manifest expects (outputs in out/grade).
fixtures:
	$(GO) run ./tools/grade --expect --parallel $(PROCS) --patience $(PATIENCE) --out out/grade fixtures/students fixtures/hostile

## stability: grade the fixture bank K times (make stability K=3; default
## 10) with every core kept busy by spinning processes, and list each
## fixture whose verdict changed between runs; fails if one did. Runs in
## out/stability/run-N. Not part of make test: it takes K bank runs.
K ?= 10
.PHONY: stability
stability: deps
	$(GO) run ./tools/stability -k $(K) -patience $(PATIENCE)

## install: the echospec command (check, init, list, grade, gradescope,
## merge) into $(go env GOBIN), or $(go env GOPATH)/bin.
.PHONY: install
install:
	$(GO) install ./tools/echospec

## grade: grade a class, every folder with an echospec.toml in DIR
## (make grade DIR=path/to/class); report.html, grades.csv, junit.xml and
## Gradescope results in out/class.
.PHONY: grade
grade:
	@test -n "$(DIR)" || { echo "usage: make grade DIR=path/to/submissions"; exit 2; }
	$(GO) run ./tools/grade --patience $(PATIENCE) --out out/class $(DIR)

## gradescope: a Gradescope autograder for one assignment, graded as the
## teacher's manifest says (make gradescope MANIFEST=teacher/echospec.toml
## [RUBRIC=rubric.toml] [LANGUAGES=python,c]): out/gradescope/autograder.zip.
.PHONY: gradescope
gradescope:
	@test -n "$(MANIFEST)" || { echo "usage: make gradescope MANIFEST=path/to/echospec.toml [RUBRIC=rubric.toml] [LANGUAGES=python,c]"; exit 2; }
	$(GO) run ./tools/gradescope --manifest $(MANIFEST) $(if $(RUBRIC),--rubric $(RUBRIC)) $(if $(LANGUAGES),--languages $(LANGUAGES)) --out out/gradescope

## lint: go vet here and for every platform the kit claims, staticcheck,
## gofmt, and go.mod and go.sum as go mod tidy would leave them.
lint: vet vet-ports staticcheck tidy
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

## vet-ports: go vet as each other OS of tools/ports compiles the kit
## (docs/platforms.md), on the packages where it compiles files this
## machine does not: code behind a build tag for darwin, the BSDs or
## windows is vetted too. A second CPU of one OS only if its files differ
## (linux/arm64 yes, linux/riscv64 and darwin/arm64 no). From a cold build
## cache 195 s of CPU (2 shared cores at load 7-12: 266 s), 5-8 s when
## warm; go run ./tools/ports vet -all vets ./... everywhere, for about
## twice the cold cost.
vet-ports:
	$(GO) run ./tools/ports vet

## tidy: fail, showing the diff, if go mod tidy would change the kit's
## go.mod or go.sum, or those of the bench anchor's own module (the
## student fixtures' modules are theirs, as submitted).
tidy:
	$(GO) mod tidy -diff
	cd tools/bench/anchor/gnet && $(GO) mod tidy -diff

staticcheck:
	$(GO) tool staticcheck ./...

## docs: regenerate docs/catalogue.md from the suite itself.
docs:
	$(GO) run ./tools/catalogue > docs/catalogue.md

docs-check:
	@$(GO) run ./tools/catalogue | diff -u docs/catalogue.md - || { echo "docs/catalogue.md is stale: run make docs"; exit 1; }

clean:
	rm -rf out

## ports: cross-compile the kit, the suite (spec.test) and the reference
## servers for every platform of tools/ports (CGO_ENABLED=0) into
## out/ports/GOOS_GOARCH/, and print platform × artifact.
.PHONY: ports ports-run qemu-setup platforms platforms-check
ports:
	$(GO) run ./tools/ports build

## ports-run: run the linux/arm64 and linux/riscv64 suites under qemu-user
## against the servers built for that CPU. Needs root and apt: it installs
## qemu-user-static if qemu-aarch64-static is missing, and registers qemu
## with binfmt_misc (tools/ports/qemu-setup.sh). Bounded: 45 min per CPU.
ports-run: ports qemu-setup
	$(GO) run ./tools/ports run --patience 5 --timeout 45m

qemu-setup:
	sh tools/ports/qemu-setup.sh

## platforms: regenerate docs/platforms.md from go list and the sources.
platforms:
	$(GO) run ./tools/platforms > docs/platforms.md

platforms-check:
	@$(GO) run ./tools/platforms | diff -u docs/platforms.md - || { echo "docs/platforms.md is stale: run make platforms"; exit 1; }

## bench: measure every reference server and the gnet anchor (1-1,000
## connections × 64 B-64 KiB, pinned, interleaved rounds) with
## tools/echoload; writes docs/bench.md, docs/bench/results.json and
## docs/bench/*.svg. Needs taskset and 2 CPUs; under 10 minutes.
.PHONY: bench
bench:
	$(GO) run ./tools/bench

## bench-check: one check of a reference server, the suite cached, as a
## student waits for it (TARGETS=multithread,single by default); the
## figures are in docs/student-loop.md.
.PHONY: bench-check
bench-check:
	ECHOSPEC_BENCH_TARGETS=$(TARGETS) $(GO) test -run '^$$' -bench Check -benchtime 1x -timeout 20m ./tools/internal/check

## bench-grade: grade a class of 60 (the student fixtures that take
## {port}, cycled) and report seconds per class; the target is 5 minutes
## on 2 cores. PARALLEL sets how many at once (default: grade's, NumCPU+1);
## ARGS adds grade's flags (ARGS=--unsandboxed: without the sandbox).
.PHONY: bench-grade
bench-grade: deps
	ECHOSPEC_CLASS_PARALLEL=$(PARALLEL) ECHOSPEC_CLASS_ARGS="$(ARGS)" $(GO) test -run '^$$' -bench Class60 -benchtime 1x -timeout 30m ./tools/internal/grade

## cluster-test: grade a small class on a real Slurm cluster, started for
## the purpose on this machine (one node, CPUs=2, from a temporary folder),
## with the recipe of docs/grading-at-scale.md as printed; the merged
## shards must equal one grade run byte for byte, with a task cancelled and
## requeued, a shard missing at merge time and a task past its --time.
## Needs root: installs Debian's slurmctld, slurmd, slurm-client and munge
## where missing; stops every daemon and removes the folder however it ends.
.PHONY: cluster-test
cluster-test: deps
	@sh tools/cluster/deps.sh
	$(GO) run ./tools/cluster -patience $(PATIENCE)
