# loglake: `make test` runs every check offline; each target installs what it needs.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
# The root template and one nested stack per pipeline: every check reads all of them.
TEMPLATES := template.yaml $(sort $(wildcard stacks/*.yaml)) $(sort $(wildcard stacks/modules/*.yaml)) $(sort $(wildcard templates/*.yaml))
NODE_STAMP := node_modules/.install-stamp
PY_STAMP := $(VENV)/.install-stamp
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.install-stamp
# Defined before the rules that need them (make expands prerequisites as it reads them).
CHROMIUM ?= /usr/bin/chromium
OPENSEARCH_NODE := tools/opensearch-node/target/.built

# Project-local tools first: node_modules/.bin holds Node 24 (the Lambda runtime's major,
# from the npm `node` package), esbuild, jest and biome; .venv/bin holds sam and cfn-lint.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export SAM_CLI_TELEMETRY := 0

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(PY_STAMP): requirements-tools.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check --progress-bar off -r requirements-tools.txt
	@touch $@

$(CHECKOV_STAMP): requirements-checkov.txt
	python3 -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --disable-pip-version-check --progress-bar off -r requirements-checkov.txt
	@touch $@

.PHONY: deps
deps: $(NODE_STAMP) $(PY_STAMP) $(VENV)/bin/esbuild ## Install node packages (npm ci) and Python tools (.venv)

# `source .venv/bin/activate && sam build` (the README's Deploy) finds esbuild on PATH.
$(VENV)/bin/esbuild: | $(NODE_STAMP) $(PY_STAMP)
	ln -sf ../../node_modules/.bin/esbuild $@

.PHONY: typecheck
typecheck: $(NODE_STAMP) ## TypeScript strict typecheck
	npm run --silent build

.PHONY: lint
lint: $(NODE_STAMP) ## Biome lint + format check
	npm run --silent lint

.PHONY: cfn-lint
cfn-lint: $(PY_STAMP) ## cfn-lint on template.yaml and stacks/*.yaml
	cfn-lint $(TEMPLATES)

.PHONY: checkov
checkov: $(CHECKOV_STAMP) ## checkov security scan of every template (generic skips in .checkov.yaml, specific ones inline, all with reasons)
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml $(addprefix --file ,$(TEMPLATES))

.PHONY: sam-validate
sam-validate: $(PY_STAMP) ## sam validate --lint, of every template
	for t in $(TEMPLATES); do sam validate --lint -t "$$t"; done

.PHONY: sam-build
sam-build: $(NODE_STAMP) $(PY_STAMP) ## sam build (esbuild on this machine, no container), failing on any warning it prints
	@out=$$(sam build 2>&1); rc=$$?; printf '%s\n' "$$out"; \
	if printf '%s\n' "$$out" | grep -iq 'warning\|not found'; then echo 'sam build printed a warning (above)' >&2; exit 1; fi; exit $$rc

# The build, again only when a template or a function's source changed since (make invoke).
BUILT := .aws-sam/build/template.yaml
$(BUILT): $(TEMPLATES) $(shell find functions -type f) package-lock.json | $(NODE_STAMP) $(PY_STAMP)
	sam build

.PHONY: invoke
invoke: $(NODE_STAMP) ## Run a built function (FN=<LogicalId>) or a workflow (SM=<LogicalId>) on EVENT=<file>, offline
	@test -n "$(EVENT)" || { echo 'usage: make invoke [FN=<LogicalId> | SM=<LogicalId>] EVENT=<file>' >&2; exit 2; }
	@$(if $(SM),true,$(MAKE) --no-print-directory $(BUILT) >&2)
	@esbuild tools/invoke/main.ts --bundle --platform=node --format=cjs --target=node24 --log-level=warning \
	  --loader:.sql=text --external:@aws-sdk/* --external:@electric-sql/pglite \
	  --outfile=tools/invoke/.build/invoke.cjs
	@node tools/invoke/.build/invoke.cjs $(if $(FN),--function $(FN)) $(if $(SM),--state-machine $(SM)) --event $(EVENT) $(if $(S3_DIR),--s3-dir $(S3_DIR))

.PHONY: jest
jest: $(NODE_STAMP) $(PY_STAMP) $(CHROMIUM) $(OPENSEARCH_NODE) ## Unit, workflow, template and AWS contract tests (botocore models and the SAM translator from .venv; needs sam-build for the bundle tests)
	CHROMIUM=$(CHROMIUM) npm test -- --coverage

# A real OpenSearch 2.19 node for the search sink's tests and demo, assembled from Maven Central
# (no Docker here): offline/opensearch-node.ts starts it on a free port and stops it by its pid.
$(OPENSEARCH_NODE): tools/opensearch-node/pom.xml $(shell find tools/opensearch-node/src -type f)
	rm -rf tools/opensearch-node/target/lib
	mvn -q -B -Dstyle.color=never -f tools/opensearch-node/pom.xml package
	@touch $@

.PHONY: opensearch-node
opensearch-node: $(OPENSEARCH_NODE) ## Build the local OpenSearch node (server, Netty HTTP, log4j from Maven Central)

.PHONY: dashboards
dashboards: $(NODE_STAMP) ## Install the clickstream index template and dashboards into a deployed collection: ENDPOINT=<SearchEndpoint output> [DRY_RUN=1]
	@test -n "$(ENDPOINT)" || { echo 'usage: make dashboards ENDPOINT=https://<collection-id>.<region>.aoss.amazonaws.com [DRY_RUN=1]' >&2; exit 2; }
	@esbuild tools/dashboards/main.ts --bundle --platform=node --format=cjs --target=node24 --log-level=warning \
	  --outfile=tools/dashboards/.build/dashboards.cjs
	@node tools/dashboards/.build/dashboards.cjs --endpoint $(ENDPOINT) $(if $(DRY_RUN),--dry-run)

.PHONY: glue-test
glue-test: $(PY_STAMP) ## pytest of the Glue job transforms on a local Spark (Java 17)
	cd glue && ../$(VENV)/bin/python -m pytest

.PHONY: test
test: deps typecheck lint cfn-lint checkov sam-validate sam-build jest glue-test ## Every check, as CI runs it

.PHONY: bench-deps
bench-deps: ## Debian's python3-dateutil, for the seed ETL baseline
	@/usr/bin/python3 -c 'import dateutil' 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-dateutil >/dev/null; }

.PHONY: bench
bench: sam-build bench-deps ## Benchmarks of the Firehose functions vs targets and the seed ETL (npm run bench)
	node bench/run.mjs

.PHONY: verify-aws
verify-aws: $(NODE_STAMP) ## After sam deploy: run each workflow once on the real stack (STACK=loglake-dev) and print what passed
	esbuild tools/verify-aws/main.ts --bundle --platform=node --format=cjs --target=node24 --log-level=warning \
	  --outfile=tools/verify-aws/.build/verify.cjs
	node tools/verify-aws/.build/verify.cjs --stack "$${STACK:-loglake-dev}"

# Debian's Chromium, for the report's screenshot test (tests/demo); as root, or through sudo.
$(CHROMIUM):
	$(if $(filter 0,$(shell id -u)),,sudo) sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends chromium'

.PHONY: chromium
chromium: $(CHROMIUM) ## Install Debian's Chromium (headless, for the demo report's screenshot test)

.PHONY: report-picture
report-picture: $(NODE_STAMP) $(CHROMIUM) ## Screenshot of the last make demo's report, for the README (docs/demo-report.png)
	esbuild tools/local/picture.ts --bundle --platform=node --format=cjs --target=node24 --log-level=warning \
	  --external:playwright-core --outfile=tools/local/.build/picture.cjs
	CHROMIUM=$(CHROMIUM) node tools/local/.build/picture.cjs demo-output/report.html docs/demo-report.png

.PHONY: clean
clean: ## Remove everything the project generated (build output, bundles, demo output; keeps installed tools)
	rm -rf .aws-sam coverage demo-output bench/results bench/.build tools/*/.build node_modules/.cache/loglake-*

.PHONY: demo
demo: deps $(OPENSEARCH_NODE) ## Run every pipeline locally on sample data (real handlers, workflows, Spark, DuckDB, PostgreSQL, OpenSearch)
	esbuild tools/local/main.ts --bundle --platform=node --format=cjs --target=node24 --log-level=warning \
	  --loader:.sql=text --external:@aws-sdk/* --external:@electric-sql/pglite \
	  --outfile=tools/local/.build/demo.cjs
	node tools/local/.build/demo.cjs $(if $(NOW),--now $(NOW)) $(if $(PIPELINE),--pipeline $(PIPELINE))
