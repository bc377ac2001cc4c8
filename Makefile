# Mission-report notebooks. `make` alone lists the targets.
# Every target bootstraps .venv from requirements.lock on first use.

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The benchmark's own environment: the peers' tools (Ploomber) and the profilers, kept
# out of the analyst's JupyterLab.
BENCH_VENV := .venv-bench
BENCH_INSTALLED := $(BENCH_VENV)/.installed

YEAR ?=
SECTIONS ?=
DATA ?= data/default
OUT ?= outputs
# The committee's texts, one folder per year.
COMMITTEE ?= committee
# LANG is also the shell's locale variable: only a value given on the command line
# (make report LANG=fr) chooses the report's language, and recipes keep a sane locale.
ifeq ($(origin LANG),command line)
REPORT_LANG := $(LANG)
override LANG := C.UTF-8
else
REPORT_LANG := en
endif
# Empty: the report's own default threshold (helpers.core.params.DEFAULT_MIN_CELL).
MIN_CELL ?=
SCALE ?= 1
SEED ?= 2024
DEFAULT_DATA := data/default
# The folders reach the commands through the environment, each as one quoted word
# ("$$DATA"), so that a path with spaces or quotes arrives intact.
export DATA OUT COMMITTEE

# The commands' targets end with the command's own status (0 done, 1 refused, 2 usage),
# as the README's table says. GNU make ends any failed recipe with status 2; in question
# mode (-q), which this makefile turns on for these goals alone, a recipe line marked
# "+" still runs, and make ends with its status. Not under -n, which only prints.
COMMAND_GOALS := report reports validate kpis snapshot pg-demo pg-bench calibrate data
RUN :=
ifneq ($(MAKECMDGOALS),)
ifeq ($(filter-out $(COMMAND_GOALS),$(MAKECMDGOALS)),)
ifeq ($(findstring n,$(firstword -$(MAKEFLAGS))),)
MAKEFLAGS += -q
RUN := +
endif
endif
endif

# WeasyPrint, which lays out the PDF edition, needs Debian's Pango and some fonts.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-liberation

.PHONY: help install validators system-packages report reports test test-fast lab data calibrate validate kpis snapshot pg-demo pg-bench contract-doc section-doc bench lint format lock clean

## Show this list of targets.
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-z][a-z_-]*:/{if(doc){split($$1,t,":"); printf "  %-16s %s\n", t[1], doc}; doc=""}' $(MAKEFILE_LIST)
	@echo
	@echo "  Variables: YEAR=2022 DATA=dir|postgresql://... OUT=dir COMMITTEE=dir LANG=en|fr|en,fr|all MIN_CELL=n SECTIONS=funnel,... (report); SCALE=1 SEED=2024 (data); SNAPSHOT=dir"

## Install the system libraries the PDF edition needs (apt-get, as root) when absent.
system-packages:
	$(RUN)@if ! { ldconfig -p | grep -q 'libpangoft2-1.0.so.0' && fc-list 2>/dev/null | grep -q .; }; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing $(SYSTEM_PACKAGES) (Debian packages the PDF edition needs)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
		else \
			echo "make: the PDF edition needs Pango and fonts: sudo apt-get install $(SYSTEM_PACKAGES)" >&2; exit 1; \
		fi; \
	fi

$(INSTALLED): requirements.lock pyproject.toml | system-packages
	$(RUN)@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(RUN)@# The grep drops this machine's notices about absent local package mirrors.
	$(RUN)$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock 2>&1 \
		| { grep -v 'is ignored: it is neither a file nor a directory' || true; }
	$(RUN)@# What an earlier lock held and this one does not (a tool moved to .venv-bench) leaves.
	$(RUN)@extra=$$(comm -23 <($(BIN)/python -m pip list --format=freeze --exclude-editable --disable-pip-version-check \
		| sed 's/==.*//' | tr 'A-Z_.' 'a-z--' | sort) <(sed -n 's/==.*//p' requirements.lock | tr 'A-Z_.' 'a-z--' | sort) \
		| grep -vx 'pip' || true); \
	if [ -n "$$extra" ]; then echo "removing from $(VENV), no longer locked:" $$extra; $(BIN)/python -m pip uninstall --yes --quiet $$extra; fi
	$(RUN)$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(RUN)$(BIN)/python -m ipykernel install --sys-prefix --name mission-report --display-name "Mission report" >/dev/null
	$(RUN)@touch $@

## Create .venv and install the pinned environment (other targets do this on first use).
install: $(INSTALLED)

# The validators the page tests run (tests/test_validators.py), from the npm registry:
# axe-core (accessibility rules, run in Chromium) and the W3C Nu HTML checker (Java).
TOOLS := .tools
TOOLS_INSTALLED := $(TOOLS)/.installed
VALIDATORS := axe-core@4.14.1 vnu-jar@26.9.27

$(TOOLS_INSTALLED): Makefile
	@command -v npm >/dev/null || { echo "make: the page validators need npm (Node.js)" >&2; exit 1; }
	npm install --silent --no-audit --no-fund --no-save --prefix $(TOOLS) $(VALIDATORS)
	@touch $@

## Install the page validators (axe-core, the Nu HTML checker) into .tools.
validators: $(TOOLS_INSTALLED)

$(BENCH_INSTALLED): requirements-bench.lock
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.lock 2>&1 \
		| { grep -v 'is ignored: it is neither a file nor a directory' || true; }
	@touch $@

# The languages a report may be built in, one or both (checked before any work).
VALID_LANGS := en fr en,fr fr,en all
CHECK_LANG = case " $(VALID_LANGS) " in *" $(REPORT_LANG) "*) ;; *) echo "make $@: LANG must be en, fr, en,fr or all, got '$(REPORT_LANG)'" >&2; exit 2;; esac

## Build the report for one year: make report YEAR=2022 [DATA=dir OUT=dir LANG=fr|en,fr|all MIN_CELL=n SECTIONS=funnel,carbon].
report: $(INSTALLED)
	$(RUN)@test -n "$(YEAR)" || { echo "make report: YEAR is required, e.g. make report YEAR=2022" >&2; exit 2; }
	$(RUN)@$(CHECK_LANG)
	$(RUN)@if [ "$$DATA" = "$(DEFAULT_DATA)" ]; then $(BIN)/python -m helpers.synth ensure --out $(DEFAULT_DATA); fi
	$(RUN)@# Not echoed: DATA may hold a password.
	$(RUN)@$(BIN)/python -m helpers.report --year $(YEAR) --data "$$DATA" --out "$$OUT" --committee "$$COMMITTEE" --lang $(REPORT_LANG) $(if $(MIN_CELL),--min-cell $(MIN_CELL)) $(if $(SECTIONS),--sections $(SECTIONS))

## Build the report for every year the dataset covers.
reports: $(INSTALLED)
	$(RUN)@$(CHECK_LANG)
	$(RUN)@if [ "$$DATA" = "$(DEFAULT_DATA)" ]; then $(BIN)/python -m helpers.synth ensure --out $(DEFAULT_DATA); fi
	$(RUN)@$(BIN)/python -m helpers.report --all-years --data "$$DATA" --out "$$OUT" --committee "$$COMMITTEE" --lang $(REPORT_LANG) $(if $(MIN_CELL),--min-cell $(MIN_CELL))

# The tests run on every core (pytest-xdist), TEST_JOBS=0 in one process. Each worker
# keeps a cache of its own; the tests of one slow, server or browser module stay in one
# worker, which builds their report or starts their server once (tests/conftest.py).
TEST_JOBS ?= auto
PARALLEL := -n $(TEST_JOBS) --dist loadgroup

## Run the whole test suite (lint, unit, notebooks, reports, servers, browser): make test [ARGS="-k funnel"].
test: $(INSTALLED) $(TOOLS_INSTALLED)
	$(BIN)/ruff check src tests notebooks
	$(BIN)/ruff format --check src tests notebooks
	$(BIN)/python -m pytest $(PARALLEL) $(ARGS)

# The tests marked slow (notebooks, reports, generated data), those that start a server
# (PostgreSQL, JupyterLab) and those that drive a browser are left out.
FAST_TESTS := not slow and not server and not browser

## Run the quick tests alone (no notebook, report, server or browser): make test-fast [ARGS="-k funnel"].
test-fast: $(INSTALLED)
	$(BIN)/python -m pytest -m "$(FAST_TESTS)" $(PARALLEL) $(ARGS)

## Open JupyterLab with the project's kernel registered: make lab [ARGS="--port 8899"].
lab: $(INSTALLED)
	$(BIN)/python -m helpers.synth ensure --out $(DEFAULT_DATA)
	@# Jupyter refuses to start as root unless told to; a container often runs as root.
	$(BIN)/jupyter lab notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(ARGS)

## Generate the embedded synthetic dataset (SCALE, SEED) into data/default.
data: $(INSTALLED)
	$(RUN)$(BIN)/python -m helpers.synth ensure --out $(DEFAULT_DATA) --scale $(SCALE) --seed $(SEED)

## Compare the generated dataset's figures with the published ones.
calibrate: $(INSTALLED)
	$(RUN)$(BIN)/python -m helpers.synth ensure --out $(DEFAULT_DATA)
	$(RUN)$(BIN)/python -m helpers.synth.calibrate --data $(DEFAULT_DATA)

## Check a dataset (folder or postgresql://...?schema=s) against the data contract.
validate: $(INSTALLED)
	$(RUN)@$(BIN)/python -m helpers.validate "$$DATA"

## Write the KPI file of one year without running notebooks: make kpis YEAR=2022 (OUT/kpis-2022.csv).
kpis: $(INSTALLED)
	$(RUN)@test -n "$(YEAR)" || { echo "make kpis: YEAR is required" >&2; exit 2; }
	$(RUN)@$(BIN)/python -m helpers.kpis --year $(YEAR) --data "$$DATA" --out "$$OUT/kpis-$(YEAR).csv" $(if $(MIN_CELL),--min-cell $(MIN_CELL))

## Write a PostgreSQL schema's tables as a dataset folder: make snapshot DATA=postgresql://... SNAPSHOT=dir.
snapshot: $(INSTALLED)
	$(RUN)@test -n "$(SNAPSHOT)" || { echo "make snapshot: SNAPSHOT=dir is required" >&2; exit 2; }
	$(RUN)@$(BIN)/python -m helpers.intake.pgsource "$$DATA" "$(SNAPSHOT)"

## Load the embedded dataset into a PostgreSQL schema: make pg-demo DATA=postgresql://...?schema=mission.
pg-demo: $(INSTALLED)
	$(RUN)@case "$$DATA" in postgres://*|postgresql://*) ;; *) echo "make pg-demo: DATA=postgresql://user@host/db?schema=name is required" >&2; exit 2;; esac
	$(RUN)$(BIN)/python -m helpers.synth ensure --out $(DEFAULT_DATA)
	$(RUN)@$(BIN)/python -m helpers.intake.pgdemo "$$DATA" --from $(DEFAULT_DATA)

## Time reading a PostgreSQL schema (ADBC, DuckDB's scanner) against its Parquet folder.
pg-bench: $(INSTALLED)
	$(RUN)@$(BIN)/python -m helpers.intake.pgbench "$$DATA" --folder $(DEFAULT_DATA)

## Rewrite docs/data-contract.md from the contract's code (a test checks it is current).
contract-doc: $(INSTALLED)
	$(BIN)/python -m helpers.intake.contract_doc

## Rewrite docs/sections.md, what a section notebook may call, from the docstrings (a test checks it is current).
section-doc: $(INSTALLED)
	$(BIN)/python -m helpers.pages.section_doc docs/sections.md

## Measure the report's speed against the standard tools (see README): make bench [ARGS="--repeats 1"].
bench: $(INSTALLED) $(BENCH_INSTALLED)
	$(BIN)/python -m helpers.bench $(ARGS)

## Lint and check formatting of code and notebooks.
lint: $(INSTALLED)
	$(BIN)/ruff check src tests notebooks
	$(BIN)/ruff format --check src tests notebooks

## Format code and notebooks in place.
format: $(INSTALLED)
	$(BIN)/ruff check --fix src tests notebooks
	$(BIN)/ruff format src tests notebooks

## Re-resolve requirements.lock and requirements-bench.lock from pyproject.toml (needs network).
lock: $(INSTALLED)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-annotate \
		--custom-compile-command "make lock" -o requirements.lock
	@# The benchmark's extra alone, its shared packages at the versions of requirements.lock.
	$(BIN)/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['bench'], sep='\n')" \
		| $(BIN)/uv pip compile - --python-version 3.11 --no-annotate -c requirements.lock \
		--custom-compile-command "make lock" -o requirements-bench.lock

## Remove the environment, generated data and outputs.
clean:
	rm -rf $(VENV) $(BENCH_VENV) outputs/* outputs/.build "$${XDG_CACHE_HOME:-$$HOME/.cache}/mission-report" $(DEFAULT_DATA) data/bench .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
