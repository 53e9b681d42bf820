# The two commands of the README:
#   make run   - the main job on embedded defaults (dev server, simulator, worker, examples/questions.csv)
#   make test  - install everything (including building the Temporal CLI) and run the whole test suite
# The Temporal CLI is built once with Go into ~/.cache/mwbatch (outside the repo) and reused.

CSV ?= examples/questions.csv

.PHONY: run test install build temporal-cli lint bench clean

# `npm install` (not `npm ci`): npm 11 refuses `npm ci` when the lock file lacks entries for optional
# platform packages (here @swc/core's) that the registry does not serve; install still honours the lock file.
node_modules/.install-stamp: package.json package-lock.json
	npm install --no-audit --no-fund
	@touch $@

install: node_modules/.install-stamp

build: install
	npm run build

temporal-cli: build
	node dist/scripts/ensure-temporal-cli.js

run: temporal-cli
	node bin/mwbatch.js dev $(CSV)

lint: install
	npm run lint

test: temporal-cli lint
	npx vitest run

# Issue 5's comparison (bench/compare.ts): this project (poll, stream) against a plain script, one table on stdout.
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--scenarios 1 --variants A,C".
bench: temporal-cli
	npx tsc -p bench/tsconfig.json
	node dist/bench/bench/compare.js $(BENCH_ARGS)

clean:
	rm -rf dist node_modules/.install-stamp
