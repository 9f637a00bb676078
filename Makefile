# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
NPM := $(shell command -v npm 2>/dev/null)

.PHONY: help run test test-python test-web lint format install migrate web coverage cluster-bench cluster-bench-quick

# `make help` lists each target that a "## " comment (one line or more) stands right above.
## list the targets and what they do
help:
	@awk '/^## / { text = text (text ? " " : "") substr($$0, 4); next } \
		/^[a-z][a-z0-9_-]*:/ && text { sub(/:.*/, ""); printf "  make %-20s %s\n", $$0, text } \
		{ text = "" }' $(MAKEFILE_LIST)

# Runtime and development requirements alike: the tests and the linters need the second file.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## create .venv with the runtime and development requirements
install: $(VENV)/.installed

frontend/node_modules/.installed: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## apply the migrations and create the database cache table (quietly when they exist)
migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable --verbosity 0

## build the web client into frontend/dist (served by Django at /), when npm is present
web:
ifdef NPM
	$(MAKE) frontend/node_modules/.installed
	cd frontend && npm run build
else
	@echo "npm not found: the web client is not built (the API works without it)."
endif

# The URL printed is localhost's, not 127.0.0.1's: a passkey works only on a page whose host is
# WEBAUTHN_RP_ID (default localhost), and only from an origin in WEBAUTHN_ORIGINS, which follows PORT
# here unless it is set.
## install, migrate and serve the app on SQLite at http://localhost:8000 with gunicorn (gunicorn.conf.py),
## restarting on code changes; PORT=8001 for another port, HOST=0.0.0.0 beyond this machine (with its
## address in DJANGO_ALLOWED_HOSTS)
run: migrate web
	@echo "Open http://localhost:$(PORT)/ (localhost: passkeys need the page's host to be WEBAUTHN_RP_ID)"
	HOST=$(HOST) PORT=$(PORT) WEBAUTHN_ORIGINS="$${WEBAUTHN_ORIGINS:-http://localhost:$(PORT)}" \
		$(VENV)/bin/gunicorn --config gunicorn.conf.py --reload --access-logfile -

## the backend suite, then the web client's type check, linters, unit tests, generated-types
## check and browser tests (Playwright, with the axe accessibility scan)
test: test-python test-web

## the backend suite only (pytest)
test-python: install
	$(PY) -m pytest

## the web client's checks and tests only
test-web:
ifdef NPM
	$(MAKE) frontend/node_modules/.installed install
	cd frontend && npm run typecheck && npm run lint && npm test && npm run api-types:check
	@if [ -x "$(CHROMIUM)" ]; then \
		cd frontend && E2E_CHROMIUM="$(CHROMIUM)" npm run e2e; \
	elif [ -n "$$REQUIRE_BROWSER_TESTS" ]; then \
		echo "Browser tests required but $(CHROMIUM) is missing." >&2; exit 1; \
	else \
		echo "*** Browser tests NOT run: no Chromium at $(CHROMIUM) (apt-get install chromium). ***"; \
	fi
else
	@if [ -n "$$REQUIRE_BROWSER_TESTS" ]; then echo "npm is required for the web client tests." >&2; exit 1; fi
	@echo "*** Web client tests NOT run: npm not found (install Node 20). ***"
endif

## ruff's linter and formatter, checking only, and the accounts app's layers (import-linter, pyproject.toml)
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

## let ruff fix and format the Python code
format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## the backend suite under coverage, servers started by the tests included; prints the report
coverage: install
	rm -f .coverage .coverage.*
	$(VENV)/bin/coverage run -m pytest
	$(VENV)/bin/coverage combine --quiet
	$(VENV)/bin/coverage report

## several app nodes behind HAProxy with PgBouncer, Redis + Sentinel and a private PostgreSQL, measured
## while a node, Redis's master and PgBouncer fail (bench/cluster.py, ~6 min; docs/several-nodes.md)
cluster-bench: install
	$(PY) bench/cluster.py

## the same, short (~2 min): what CI runs; exits non-zero on a lost todo, a fork, a missed revocation or
## a 5xx outside the failover windows
cluster-bench-quick: install
	$(PY) bench/cluster.py --quick
