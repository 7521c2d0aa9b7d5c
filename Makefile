# MASH Hub: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make run` needs only the hub's own dependencies; `make test` adds the test tools.
RUN_STAMP := $(VENV)/.installed-run
HUB_PORT ?= 8000

NODE_STAMP := node_modules/.installed
IDP_STAMP := tests/idp/node_modules/.installed
STYLESHEET := hub/web/static/build/hub.css

.PHONY: run test lint typecheck unit bench clean web

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(RUN_STAMP)

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

# The pages' front end: GOV.UK Frontend from npm (never committed), built into one stylesheet.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(STYLESHEET): $(NODE_STAMP) hub/web/styles/hub.scss
	node_modules/.bin/sass --no-source-map --style=compressed --quiet-deps \
		--load-path=node_modules hub/web/styles/hub.scss $(STYLESHEET)

web: $(STYLESHEET)

# The OpenID provider the sign-in tests run against (npm oidc-provider).
$(IDP_STAMP): tests/idp/package.json tests/idp/package-lock.json
	cd tests/idp && npm ci --no-audit --no-fund --loglevel=error
	touch $(IDP_STAMP)

## run: install, create local keys, migrate, serve on 127.0.0.1:$(HUB_PORT) and seed a small demo
# Python and npm installs run side by side, and the demo (about a third of a second a
# contact) is seeded while the server starts, so a fresh clone serves within 90 seconds;
# `mash-hub demo --contacts 200` adds more at any time.
DEMO_CONTACTS ?= 30
run:
	$(MAKE) -j2 $(RUN_STAMP) web
	HUB_DEV_MODE=true $(BIN)/mash-hub init
	HUB_DEV_MODE=true $(BIN)/mash-hub demo --if-empty --contacts $(DEMO_CONTACTS) & \
	HUB_DEV_MODE=true exec $(BIN)/mash-hub serve --host 127.0.0.1 --port $(HUB_PORT)

## test: install, lint, type check and run the whole suite
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check hub tests bench
	$(BIN)/ruff format --check hub tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Tests run on every core; TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= auto
unit: $(STAMP) web $(IDP_STAMP)
	$(BIN)/pytest -n $(TEST_WORKERS)

bench: $(STAMP)
	$(BIN)/python bench/firewall.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache node_modules tests/idp/node_modules \
		hub/web/static/build
