# The two commands of the README:
#   make lab    install everything into .venv and open JupyterLab on the example notebooks
#   make test   install the test dependencies (and Debian's chromium) and run every test
# Other targets are steps of those two, useful on their own during development.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP := $(PY) -m pip --disable-pip-version-check
CHROMIUM ?= /usr/bin/chromium
LAB_PORT ?= 8888
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
# jupyter labextension develop/build call jupyter-builder and jlpm by name: use the venv's.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: lab test install install-test azurite chromium lint test-js test-py test-ui bench build-wheel clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# Editable install: builds the TypeScript once, links the labextension into the venv.
install: $(PY)
	$(PIP) install -e ".[azure,lab]"
	$(BIN)/jupyter labextension develop . --overwrite

lab: install
	$(BIN)/jupyter lab --ServerApp.root_dir=examples --ServerApp.ip=127.0.0.1 --port=$(LAB_PORT) $(ROOT_FLAG)

install-test: $(PY) azurite
	$(PIP) install -e ".[test]"
	$(BIN)/jupyter labextension develop . --overwrite

# Azurite (Microsoft's storage emulator, from npm) for the loopback Azure ML tests, pinned by its own
# lockfile and kept out of the extension's node_modules; re-installed only when the lockfile changes.
AZURITE_DIR := tests/azure_emulator/node
AZURITE := $(AZURITE_DIR)/node_modules/.bin/azurite-blob
azurite: $(AZURITE)
$(AZURITE): $(AZURITE_DIR)/package-lock.json
	npm ci --prefix $(AZURITE_DIR) --no-audit --no-fund --ignore-scripts --no-update-notifier
	touch $@

# A Japanese font too: the Japanese UI test's screenshots (and the README's) are unreadable without one.
chromium:
	@if [ ! -x "$(CHROMIUM)" ] || ! fc-list :lang=ja | grep -q .; then \
	  echo "Installing Debian's chromium and a Japanese font for the browser tests"; \
	  $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-ipafont-gothic; \
	fi

# Static checks: the type checker and ruff over the Python package (eslint and tsc over the frontend join here).
lint:
	$(PY) -m mypy
	$(PY) -m ruff check amlx_lab tests benchmarks tools
	$(PY) -m amlx_lab.apischema --check
	$(PY) tools/i18n/catalog.py check

test-js:
	jlpm test

test-py:
	$(PY) -m pytest -m "not ui"

test-ui:
	$(PY) -m pytest tests/ui

test: install-test chromium
	$(MAKE) lint
	jlpm test
	jlpm lint && jlpm api:check
	$(PY) -m pytest

bench:
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

build-wheel: $(PY)
	jlpm clean:all
	$(PIP) wheel --no-deps -w dist .

clean:
	rm -rf dist build labextension/lib amlx_lab/labextension tsconfig.tsbuildinfo test-artifacts
