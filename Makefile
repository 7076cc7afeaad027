# Ledgerflow: the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := demo
export NX_DAEMON := false
export NX_NO_CLOUD := true
# Node 24 LTS: the npm package `node` (a devDependency) carries the binary, so every command below runs on it
# through node_modules/.bin, whatever Node the machine has (better-sqlite3 13 needs Node >= 22; Node 20 is past
# its end of life and its V8 aborted the policy service under sustained load).
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
JEST := node --experimental-vm-modules node_modules/jest/bin/jest.js

.PHONY: install nats kubectl chromium prometheus build typecheck format lint unit int e2e test demo bench bench-peer soak start clean

# `npm ci`: exactly the committed lockfile (it records every platform's optional bindings), and an error instead of
# a rewritten lockfile when package.json and the lock disagree (then run `npm install` once and commit the lock).
node_modules/.install-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: node_modules/.install-stamp

nats:
	@tools/ensure-nats.sh >/dev/null

# deploy/checks render the Kubernetes overlays with `kubectl kustomize` (1.21+).
kubectl:
	@tools/ensure-kubectl.sh >/dev/null

# The console's browser tests drive Debian's chromium through playwright-core (which cannot download browsers here).
chromium:
	@tools/ensure-chromium.sh >/dev/null

# promtool checks the alert rules and the services' /metrics; the metrics end-to-end test runs a Prometheus server.
prometheus:
	@tools/ensure-prometheus.sh >/dev/null

# The console (services/console) is a Vite app outside tsc -b: type-checked with its own browser tsconfig, then bundled,
# only when a source it bundles changed (its own and the libraries' sources, its configs, the lockfile): Vite empties
# dist/ first, which a running gateway would answer with 404 meanwhile (the README walkthrough runs `make build` while
# the console's browser tests run).
CONSOLE_INPUTS := $(shell find services/console/src libs/*/src -type f \( -name '*.ts' -o -name '*.tsx' -o -name '*.css' \) \
  ! -name '*.spec.ts' ! -name '*.spec-util.ts' 2>/dev/null) services/console/index.html services/console/vite.config.ts \
  services/console/tsconfig.json package-lock.json

services/console/dist/index.html: $(CONSOLE_INPUTS) | install
	npx tsc -p services/console/tsconfig.json
	npx vite build --config services/console/vite.config.ts --logLevel warn

build: install services/console/dist/index.html
	npx tsc -b tsconfig.build.json

typecheck: install
	npx tsc -p tsconfig.json

# Prettier lays out the code (.prettierrc.json; .prettierignore says which files): `make format` rewrites, lint checks.
format: install
	npx prettier --write . --log-level warn

lint: install
	@npx nx show projects >/dev/null
	npx prettier --check . --log-level warn
	npx eslint .

# The whole suite: type check, lint, then every test tier (unit, integration, end-to-end).
test: install nats kubectl chromium prometheus build typecheck lint
	@mkdir -p .data
	$(JEST) --json --outputFile=.data/jest-results.json; status=$$?; \
	  node tools/print-test-summary.mjs .data/jest-results.json; exit $$status

# One Jest tier by file suffix, without the type check and lint of `make test`; ARGS go to Jest first (e.g. a path
# that narrows the tier: --testMatch takes several values, so nothing may follow it).
# Every tier needs the build (a unit check runs the compiled CLI, an int spec the compiled event store's workers);
# int and e2e need nats-server, e2e chromium for the console's browser tests; unit and e2e promtool and prometheus.
unit: install kubectl prometheus build
	$(JEST) $(ARGS) --testMatch '**/*.unit.spec.ts'

int: install nats build
	$(JEST) $(ARGS) --testMatch '**/*.int.spec.ts'

e2e: install nats chromium prometheus build
	$(JEST) $(ARGS) --testMatch '**/*.e2e.spec.ts'

# The goal example first (a support ticket planned from the tool catalog), then claim-review, which ends with what
# memory learned of it (ARGS=--keep keeps claim-review's stack up afterwards).
demo: install nats build
	node examples/goal-triage/dist/demo.js
	node examples/claim-review/dist/demo.js $(ARGS)

# PEER=restate (or `make bench-peer`): the Restate reference right after, side by side (examples/bench/src/peer.ts).
bench: install nats build
	node examples/bench/dist/bench.js
	@if [ "$(PEER)" = restate ]; then node examples/bench/dist/peer.js; fi

bench-peer:
	$(MAKE) bench PEER=restate

# Steady load through `ledgerflow start` (supervised): SOAK_SECONDS (600), SOAK_CONCURRENCY (10); not part of `make test`.
soak: install nats build
	node examples/bench/dist/soak.js

# Ledgerflow on this machine in the foreground (Ctrl-C stops); arguments in ARGS, e.g. make start ARGS='--port 8081'.
start: install nats build
	node tools/cli/dist/main.js start $(ARGS)

clean:
	rm -rf .data libs/*/dist services/*/dist examples/*/dist
