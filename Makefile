# The two commands of the README: `make demo` runs the main job, `make test` runs the tests.
# Both install what they need first (Debian packages, the virtualenv); nothing is installed by hand.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: bootstrap demo test unit integration e2e infra attacks ui chaos faults coverage lint format up layer lock synth bench clean

bootstrap:
	@VENV=$(VENV) ./scripts/bootstrap.sh

demo: bootstrap
	$(BIN)/forge demo

# Every tier; the chaos tier in a pytest process of its own after the others (scripts/test_suite.sh says why).
# PYTEST_ARGS go to both.
test: bootstrap lint
	@VENV=$(VENV) ./scripts/test_suite.sh $(PYTEST_ARGS)

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

ui: bootstrap
	$(BIN)/pytest tests/ui -m ui $(PYTEST_ARGS)

chaos: bootstrap
	$(BIN)/pytest tests/chaos -m chaos $(PYTEST_ARGS)

# The whole suite under coverage. COVERAGE_FLOOR is the level measured when it was set, rounded down:
# it only rises (raise it when coverage grows; never lower it to let a change through).
COVERAGE_FLOOR := 87
coverage: bootstrap
	$(BIN)/pytest --cov --cov-report=term --cov-fail-under=$(COVERAGE_FLOOR) $(PYTEST_ARGS)

# The same checks run as pre-commit hooks (.pre-commit-config.yaml). mypy keeps its cache in .mypy_cache: a run after
# a small change takes seconds, a cold one about a minute (docs/testing.md).
lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/statelint statemachine/forge.asl.json
	$(BIN)/lint-imports

format: bootstrap
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

up: bootstrap
	$(BIN)/forge up

# The Lambda layer (build/lambda-layer: layers/forge + its dependencies for CPython 3.12 manylinux2014 x86_64) from
# the hash-locked requirements/lambda.txt; cached, so a second run only checks its stamp. Synth packages the folder.
layer: bootstrap
	$(BIN)/python -m infra.layer_build

# Regenerates the two hash-locked pin files from pyproject.toml (+ requirements/tools.in), keeping the current pins
# unless told to move (LOCK_ARGS=--upgrade, or LOCK_ARGS="--upgrade-package NAME"); docs/dependencies.md.
# constraints.txt: the virtualenv, any OS and Python >= 3.11. requirements/lambda.txt: AWS (the Lambda layer and
# the Fargate images), CPython 3.12 manylinux2014 x86_64 wheels only, at constraints.txt's versions.
LOCK_ARGS ?=
lock: bootstrap
	$(BIN)/uv pip compile --quiet $(LOCK_ARGS) pyproject.toml requirements/tools.in --extra local --extra cdk \
	  --extra dev --universal --python-version 3.11 --generate-hashes --custom-compile-command "make lock" \
	  -o constraints.txt
	$(BIN)/uv pip compile --quiet $(LOCK_ARGS) pyproject.toml requirements/tools.in -c constraints.txt \
	  --python-platform x86_64-manylinux2014 --python-version 3.12 --only-binary :all: --generate-hashes \
	  --custom-compile-command "make lock" -o requirements/lambda.txt

synth: layer
	# CDK_OUTDIR: what the CDK CLI sets; without it a bare `python app.py` writes to a temporary directory.
	CDK_OUTDIR=cdk.out JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 $(BIN)/python app.py
	$(BIN)/cfn-lint --ignore-checks W3005 -- cdk.out/PluginForge.template.json
	@echo "CloudFormation template written to cdk.out/ and checked by cdk-nag and cfn-lint (deploy: npx aws-cdk deploy)"

bench: bootstrap
	$(BIN)/python bench/pipeline.py

# Every fault of issue 19, three trials each, against a local runtime process (bench/README.md): about 15 minutes.
faults: bootstrap
	$(BIN)/python bench/faults.py

clean:
	rm -rf $(VENV) cdk.out build .pytest_cache .ruff_cache .mypy_cache .grimp_cache .import_linter_cache .coverage
