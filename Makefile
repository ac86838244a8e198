# IQ городов — run `make help` for the list of targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
EDITION ?= params/editions/2019.yaml
export PYTHONHASHSEED := 0
# A machine may set PYTHONDONTWRITEBYTECODE: pytest then rewrites the asserts of every test
# module again in every run and every worker (about 4 s of each `make check`); caches under
# __pycache__/ are git-ignored and never part of a run's code hash
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help venv run publish publish-all series site screenshots templates lint browser libreoffice check test bench lab demo-data validate constraints clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-11s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  Variables: EDITION=$(EDITION) PYTHON=$(PYTHON)"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=...)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv and install the project with its extras (done by every target)

run: venv ## Run the demo edition into runs/<edition>/<scenario> (scratch, git-ignored)
	$(BIN)/iq run $(EDITION)

publish: venv ## Re-publish outputs/<edition>/<scenario> (replaces the published run)
	$(BIN)/iq run $(EDITION) --publish --force

publish-all: venv ## Re-publish every published run (editions 2018–2021, the 2019 scenarios, the series)
	for p in params/editions/2018.yaml params/editions/2019.yaml params/editions/2020.yaml params/editions/2021.yaml \
	         params/scenarios/reference_bounds.yaml; do $(BIN)/iq run $$p --publish --force || exit 1; done
	$(BIN)/iq series params/series/iq_v1.yaml --publish --force

series: venv ## The series across the published editions into runs/series/<name> (SERIES=params/series/iq_v1.yaml)
	$(BIN)/iq series $(or $(SERIES),params/series/iq_v1.yaml) --force

site: venv ## Build the static site of every published run into site/ (open site/index.html)
	$(BIN)/iq site

screenshots: site browser ## Screenshots of the site for the README (docs/img/)
	$(BIN)/python docs/screenshots.py

templates: venv ## Write the fill-in templates for data submitters to data/templates/
	$(BIN)/iq template params/editions/2020.yaml

# Byte-compile iqlib before the tests: with PYTHONDONTWRITEBYTECODE set, each of the suite's
# processes (iq commands, papermill, every notebook kernel: about 200 in make test) would
# otherwise compile it again (0.3 s each)
PYC := $(BIN)/python -m compileall -q iqlib

lint: venv ## Static checks: ruff, the layer contract (import-linter), mypy
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

check: venv ## Fast inner loop (under 20 s): ruff, the layer contract, unit and property tests (mypy: make lint)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	@$(PYC)
	$(BIN)/python -m pytest -q -n 2 -p no:nbval -m "not e2e and not slow"

browser: ## Install Debian's chromium, chromium-driver and npm (apt, as root) and axe-core (npm ci, tests/package-lock.json) for the browser tests
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v npm >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get install -y -q --no-install-recommends chromium chromium-driver npm >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends chromium chromium-driver npm >/dev/null; } || \
	  echo "could not install chromium or npm: the browser tests will be skipped"; \
	else echo "chromium or npm is not installed and this user cannot install them: the browser tests will be skipped"; fi
	@if ! command -v npm >/dev/null; then :; \
	elif [ ! -f tests/node_modules/axe-core/axe.min.js ] || [ tests/package-lock.json -nt tests/node_modules/.package-lock.json ]; then \
	  (cd tests && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) || \
	  echo "could not install axe-core (npm ci in tests/): the accessibility tests will be skipped"; fi

libreoffice: ## Install Debian's libreoffice-calc-nogui (apt, as root) for the test that recalculates the auditor's workbooks
	@if command -v soffice >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get install -y -q --no-install-recommends libreoffice-calc-nogui >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends libreoffice-calc-nogui >/dev/null; } || \
	  echo "could not install libreoffice-calc-nogui: the auditor's workbook test will be skipped"; \
	else echo "LibreOffice (soffice) is not installed and this user cannot install it: the auditor's workbook test will be skipped"; fi

test: venv browser libreoffice ## The whole suite (CI): lint, unit tests, end-to-end runs, every published run re-made and verified
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	@$(PYC)
	@echo "$(BIN)/mypy (beside the tests; its report follows theirs)"
	@$(BIN)/mypy > $(VENV)/mypy.log 2>&1 & mypy=$$!; \
	$(BIN)/python -m pytest -n 3 --dist loadgroup --durations=15; tests=$$?; \
	wait $$mypy; types=$$?; echo "mypy:"; cat $(VENV)/mypy.log; \
	exit $$(( tests ? tests : types ))

bench: venv ## Run the benchmarks (median of several runs; about 5 minutes) and record them in bench/results/
	$(BIN)/python bench/nominal.py --save
	$(BIN)/python bench/uncertainty.py --save
	$(BIN)/python bench/whatif.py --save
	$(BIN)/python bench/draft.py --save
	$(BIN)/python bench/validate_scale.py --save

validate: venv ## Check an edition's params and inputs without running
	$(BIN)/iq validate $(EDITION)

demo-data: venv ## Regenerate the synthetic demo values of EDITION
	$(BIN)/iq demo-data $(EDITION)

lab: venv ## Open JupyterLab at the project root (params/, notebooks/, outputs/); kernel: this venv's "Python 3"; notebooks/ saved without outputs
	$(BIN)/jupyter lab --notebook-dir=. --config=tools/lab/config.py $(if $(filter 0,$(shell id -u)),--allow-root) $(LABFLAGS)

constraints: venv ## Re-pin constraints.txt from .venv after changing dependencies
	@{ sed -n '1,3p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | grep -v '^iqlib'; } > constraints.txt.new
	@mv constraints.txt.new constraints.txt

clean: ## Remove scratch runs and caches (keeps .venv and outputs/)
	rm -rf runs .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
