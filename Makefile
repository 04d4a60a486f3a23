# AcuDesk: `make run` and `make test` are all a fresh machine needs (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Every package AcuDesk installs comes from a lock with hashes (`make lock` writes them), so a
# clinic runs exactly what the tests ran: requirements.txt for the program itself,
# requirements-dev.txt adds the test and dev extras, requirements-dist.txt the packager.
RUN_LOCK := requirements.txt
DEV_LOCK := requirements-dev.txt
DIST_LOCK := requirements-dist.txt
# A stamp per kind of install, named after what it installed: unchanged files, no reinstall.
stamp = $(1)/.installed-$(2)-$(shell cat pyproject.toml $(3) | cksum | cut -d' ' -f1)
RUN_STAMP := $(call stamp,$(VENV),run,$(RUN_LOCK))
DEV_STAMP := $(call stamp,$(VENV),dev,$(DEV_LOCK))
# The packager gets a virtual environment of its own, holding the wheel rather than the checkout.
DIST_VENV := .venv-dist
DIST_STAMP := $(call stamp,$(DIST_VENV),dist,$(DIST_LOCK))
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
WHEEL := dist/acudesk-$(VERSION)-py3-none-any.whl
APP := dist/AcuDesk/AcuDesk

.PHONY: i18n run demo test test-random lint bench lock wheel dist dist-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(DIST_VENV)/bin/python:
	$(PYTHON) -m venv $(DIST_VENV)

# $(call install,VENV,LOCK,PROJECT): the lock with its hashes, then the project without deps.
define install
	$(1)/bin/python -m pip install --quiet --upgrade pip
	$(1)/bin/python -m pip install --quiet --require-hashes -r $(2)
	$(1)/bin/python -m pip install --quiet --no-deps $(3)
	@$(1)/bin/python -m pip check || { echo "$(2) does not match pyproject.toml: run make lock"; exit 1; }
endef

$(RUN_STAMP): pyproject.toml $(RUN_LOCK) | $(BIN)/python
	$(call install,$(VENV),$(RUN_LOCK),-e .)
	rm -f $(VENV)/.installed-run-*
	touch $@

$(DEV_STAMP): pyproject.toml $(DEV_LOCK) | $(BIN)/python
	$(call install,$(VENV),$(DEV_LOCK),-e .)
	rm -f $(VENV)/.installed-dev-*
	touch $@

run: $(RUN_STAMP)
	$(BIN)/python main.py $(ARGS)

demo: $(RUN_STAMP)
	$(BIN)/python main.py --demo

test: $(DEV_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite in a shuffled order, to catch tests that depend on what ran before them.
test-random: $(DEV_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -o addopts="--strict-markers -rfE" -p no:cacheprovider $(PYTEST_ARGS)

LINT_PATHS := acudesk tests tools main.py packaging $(wildcard bench)

lint: $(DEV_STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy --strict acudesk
	$(BIN)/lint-imports

# The message catalog: extract every _()/ngettext/N_ message of acudesk/ into the template, merge
# it into each language's .po (sorted, no line numbers: merges stay line-local) and compile the .mo
# files that ship. tests/unit/test_i18n.py fails when a message has no finished translation.
LOCALES := resources/locale
i18n: $(DEV_STAMP)
	$(BIN)/python -m tools.i18n extract
	$(BIN)/python -m tools.i18n compile

bench: $(DEV_STAMP)
	$(BIN)/python -m bench.run $(if $(QUICK),--quick,)

# Re-pin after a change to the dependencies in pyproject.toml (`make lock UPGRADE=1` takes the
# newest versions the ranges allow). One resolution for every platform, hashes of every file.
# The run and dist locks are held to the versions of the dev lock, the ones the tests ran.
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --generate-hashes --python-version 3.11 \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade,) pyproject.toml
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv>=0.5"
	$(UV_COMPILE) --extra test --extra dev -o $(DEV_LOCK)
	$(UV_COMPILE) -c $(DEV_LOCK) -o $(RUN_LOCK)
	$(UV_COMPILE) --extra dist -c $(DEV_LOCK) -o $(DIST_LOCK)

$(DIST_STAMP): pyproject.toml $(DIST_LOCK) | $(DIST_VENV)/bin/python
	$(DIST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(DIST_VENV)/bin/python -m pip install --quiet --require-hashes -r $(DIST_LOCK)
	rm -f $(DIST_VENV)/.installed-dist-*
	touch $@

# The wheel, built from a clean slate: setuptools would package files left in build/lib.
wheel: $(DIST_STAMP)
	rm -rf build/lib build/bdist.* $(WHEEL)
	$(DIST_VENV)/bin/python -m pip wheel --quiet --no-deps --wheel-dir dist .

# The one-folder application dist/AcuDesk, frozen from the installed wheel (packaging/acudesk.spec).
dist: wheel
	$(DIST_VENV)/bin/python -m pip install --quiet --no-deps --force-reinstall $(WHEEL)
	@$(DIST_VENV)/bin/python -m pip check
	$(DIST_VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist \
		--workpath build/pyinstaller packaging/acudesk.spec
	cp packaging/linux/acudesk.desktop packaging/linux/acudesk.svg packaging/linux/acudesk.png \
		dist/AcuDesk/

# Starts the built application on a virtual screen: it must reach the log-in window and load the
# alarm sound (packaging/dist_test.sh; needs xvfb-run, Debian package xvfb).
dist-test:
	@test -x $(APP) || { echo "$(APP) is missing: run make dist first"; exit 1; }
	sh packaging/dist_test.sh $(APP)

clean:
	rm -rf $(VENV) $(DIST_VENV) build dist .pytest_cache .mypy_cache .ruff_cache
