# The two commands of the README:
#   make run   - the main job on embedded defaults (dev server, simulator, worker, examples/questions.csv)
#   make test  - install everything (including building the Temporal CLI) and run the whole test suite
# The Temporal CLI is built once with Go into ~/.cache/mwbatch (outside the repo) and reused.

CSV ?= examples/questions.csv

.PHONY: run test install build temporal-cli browser lint bench bench-report clean

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

# Headless Chromium for the tests of report.html (test/e2e/eval-report.test.ts): Debian's `chromium`, installed
# with apt-get when neither CHROMIUM_PATH nor `chromium` on the PATH finds one (with sudo when not root).
browser:
	@if [ -n "$$CHROMIUM_PATH" ] && [ -x "$$CHROMIUM_PATH" ]; then :; \
	elif command -v chromium >/dev/null 2>&1; then :; \
	else \
		SUDO=; if [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi; \
		$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

test: temporal-cli browser lint
	npx vitest run

# Issue 5's comparison (bench/compare.ts): this project (poll, stream) against a plain script, one table on stdout.
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--scenarios 1 --variants A,C".
bench: temporal-cli
	npx tsc -p bench/tsconfig.json
	node dist/bench/bench/compare.js $(BENCH_ARGS)

# report.html of a generated 1,000-question × 3-repeat run (bench/report.ts): size, open, filter and search times in
# headless Chromium, one table on stdout. BENCH_ARGS passes options, e.g. BENCH_ARGS="--questions 2000 --runs 5".
bench-report: install browser
	npx tsc -p bench/tsconfig.json
	node dist/bench/bench/report.js $(BENCH_ARGS)

clean:
	rm -rf dist node_modules/.install-stamp
