# The two commands of the README: `make demo` runs the main job, `make test` runs the tests.
# Both install what they need first (Debian packages, the virtualenv); nothing is installed by hand.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: bootstrap demo test lint format up synth bench clean

bootstrap:
	@VENV=$(VENV) ./scripts/bootstrap.sh

demo: bootstrap
	$(BIN)/forge demo

test: bootstrap lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/statelint statemachine/forge.asl.json
	$(BIN)/lint-imports

format: bootstrap
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

up: bootstrap
	$(BIN)/forge up

synth: bootstrap
	# CDK_OUTDIR: what the CDK CLI sets; without it a bare `python app.py` writes to a temporary directory.
	CDK_OUTDIR=cdk.out JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 $(BIN)/python app.py
	$(BIN)/cfn-lint --ignore-checks W3005 -- cdk.out/PluginForge.template.json
	@echo "CloudFormation template written to cdk.out/ and checked by cdk-nag and cfn-lint (deploy: npx aws-cdk deploy)"

bench: bootstrap
	$(BIN)/python bench/pipeline.py

clean:
	rm -rf $(VENV) cdk.out .pytest_cache .ruff_cache .grimp_cache .import_linter_cache
