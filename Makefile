# MASH Hub: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HUB_PORT ?= 8000

.PHONY: run test lint typecheck unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: install, create local keys, migrate and seed the SQLite demo, serve on 127.0.0.1:$(HUB_PORT)
run: $(STAMP)
	HUB_DEV_MODE=true $(BIN)/mash-hub init
	HUB_DEV_MODE=true $(BIN)/mash-hub demo --if-empty
	HUB_DEV_MODE=true $(BIN)/mash-hub serve --host 127.0.0.1 --port $(HUB_PORT)

## test: install, lint, type check and run the whole suite
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check hub tests bench
	$(BIN)/ruff format --check hub tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/firewall.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
