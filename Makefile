# Safetrail: `make run` starts the app, `make test` runs every check.
# Both do all the set-up they need themselves (see README.md).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := safetrail.settings

.PHONY: help setup python-deps python-dev-deps assets messages run test lint test-sqlite test-postgres test-browser clean

help:
	@echo "make run    install everything, migrate SQLite and start http://$(HOST):$(PORT)"
	@echo "make test   lint, the suite on SQLite and PostgreSQL, and the browser tests"

# --- set-up -------------------------------------------------------------------

$(BIN)/uv:
	@scripts/ensure-system.sh python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"

python-deps: $(BIN)/uv
	$(BIN)/uv sync --frozen --inexact --quiet --no-dev

python-dev-deps: $(BIN)/uv
	$(BIN)/uv sync --frozen --inexact --quiet

node_modules/.package-lock.json: package.json package-lock.json
	@scripts/ensure-system.sh node
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: node_modules/.package-lock.json python-deps messages
	npm run --silent build
	$(BIN)/python -m django collectstatic --noinput --verbosity 0

messages: python-deps
	$(BIN)/python -m safetrail.i18n_compile

setup: python-deps assets

# --- running ------------------------------------------------------------------

run: setup
	SAFETRAIL_HTTPS=$${SAFETRAIL_HTTPS:-false} $(BIN)/safetrail migrate --noinput
	@echo "Safetrail is starting at http://$(HOST):$(PORT)/ (press Ctrl+C to stop)"
	SAFETRAIL_HTTPS=$${SAFETRAIL_HTTPS:-false} $(BIN)/safetrail serve --bind $(HOST):$(PORT)

# --- checks -------------------------------------------------------------------

test: setup python-dev-deps
	@scripts/ensure-system.sh chromium postgres redis
	$(MAKE) --no-print-directory lint test-sqlite test-postgres test-browser

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/python -m django check --fail-level WARNING
	$(BIN)/python -m django makemigrations --check --dry-run --verbosity 0
	SAFETRAIL_HTTPS=true DEBUG=false SECRET_KEY=$$(head -c 48 /dev/urandom | base64 | tr -d '\n') \
	  ALLOWED_HOSTS=safetrail.example SAFETRAIL_REDIS_URL=redis://127.0.0.1:6379/0 \
	  $(BIN)/python -m django check --deploy --fail-level WARNING

# The suite's own settings (tests/settings.py), whatever the environment says.
PYTEST := DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/pytest

test-sqlite:
	env -u DATABASE_URL $(PYTEST) -m "not browser" -n 2 --create-db

test-postgres:
	DATABASE_URL=$$(scripts/ensure-system.sh postgres-url) $(PYTEST) -m "not browser" -n 2 --create-db

test-browser:
	env -u DATABASE_URL $(PYTEST) -m browser --create-db

clean:
	rm -rf $(VENV) node_modules build
