# The two commands of the README: `make demo` runs the main job, `make test` runs the tests.
# Both install what they need first (Debian packages, the virtualenv); nothing is installed by hand.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: bootstrap demo test unit integration e2e infra attacks coverage lint format up synth bench clean

bootstrap:
	@VENV=$(VENV) ./scripts/bootstrap.sh

demo: bootstrap
	$(BIN)/forge demo

test: bootstrap lint
	$(BIN)/pytest $(PYTEST_ARGS)

# One tier each (docs/testing.md): the folder is the tier, and tests/conftest.py marks every test with it.
unit: bootstrap
	$(BIN)/pytest tests/unit -m unit $(PYTEST_ARGS)

integration: bootstrap
	$(BIN)/pytest tests/integration -m integration $(PYTEST_ARGS)

e2e: bootstrap
	$(BIN)/pytest tests/e2e -m e2e $(PYTEST_ARGS)

infra: bootstrap
	$(BIN)/pytest tests/infra -m infra $(PYTEST_ARGS)

attacks: bootstrap
	$(BIN)/pytest tests/attacks -m attacks $(PYTEST_ARGS)

# The whole suite under coverage. COVERAGE_FLOOR is the level measured when it was set, rounded down:
# it only rises (raise it when coverage grows; never lower it to let a change through).
COVERAGE_FLOOR := 87
coverage: bootstrap
	$(BIN)/pytest --cov --cov-report=term --cov-fail-under=$(COVERAGE_FLOOR) $(PYTEST_ARGS)

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/statelint statemachine/forge.asl.json

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
	rm -rf $(VENV) cdk.out .pytest_cache .ruff_cache .coverage
