# make demo  - run the tutorial in a temporary folder, printing each command and its output
# make test  - run the test suite on SQLite, PostgreSQL and MariaDB (throwaway servers)
# make test-fast - the same without the slow tests (end-to-end, differential, property)
# make lint  - ruff check and ruff format --check
#
# Everything runs with the project's virtual environment (.venv), created on first use.
# The tests start thousands of interpreters: the package is byte-compiled first, so that none
# of them compiles it again where PYTHONDONTWRITEBYTECODE keeps imports from saving it.

PYTHON3 ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# test processes run side by side (pytest-xdist): one per core by default
TEST_WORKERS ?= auto
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test test-fast lint venv

venv: $(PY)

$(PY):
	$(PYTHON3) -m venv $(VENV)

# Reinstall only when the package metadata changes; the install is editable.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	VENV_BIN="$(abspath $(VENV)/bin)" bash scripts/demo.sh

test: $(VENV)/.installed-test
	bash scripts/install-test-servers.sh
	$(PY) -m compileall -q schemashift
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=15 tests/

test-fast: $(VENV)/.installed-test
	bash scripts/install-test-servers.sh
	$(PY) -m compileall -q schemashift
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal -m "not slow" tests/

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
