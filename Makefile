# AcuDesk: `make run` and `make test` are all a fresh machine needs (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run demo test test-random lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python main.py $(ARGS)

demo: $(STAMP)
	$(BIN)/python main.py --demo

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite in a shuffled order, to catch tests that depend on what ran before them.
test-random: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -o addopts="--strict-markers -rfE" -p no:cacheprovider $(PYTEST_ARGS)

LINT_PATHS := acudesk tests main.py $(wildcard bench)

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy --strict acudesk
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench.run $(if $(QUICK),--quick,)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
