# The two set-up commands of the README, and the steps under them.
# `demo` and `test` first check the Debian packages they need (scripts/system-packages.sh: installed as
# root, otherwise a stop with the `sudo apt-get install` line). Every target creates or reuses the
# virtualenv, installs reflow with pinned dependencies, and builds the local control plane's binaries
# once (cached in ~/.cache/reflow, or $REFLOW_CACHE_DIR).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test system-packages-demo system-packages-test tools lint fmt install docs clean

demo: system-packages-demo install
	$(BIN)/reflow dev tools --plane-only
	$(BIN)/reflow demo

test: system-packages-test tools lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

system-packages-demo system-packages-test: system-packages-%:
	bash scripts/system-packages.sh $*

tools: install
	$(BIN)/reflow dev tools

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/lint-imports
	$(BIN)/mypy

fmt: install
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

install: $(STAMP)

# The documentation site (mkdocs, material theme) into site/; strict: any warning fails the build.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint constraints.txt --editable '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache site
