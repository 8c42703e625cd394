# motcua: `make run` serves the demo, `make test` runs the whole suite. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# PostgreSQL used by the second pass of the suite (trust auth on loopback, database "test").
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-sqlite test-postgres lint messages browser clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "motcua needs Python 3.11"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/motcua migrate --noinput
	$(BIN)/motcua demo
	@echo "motcua: http://$(HOST):$(PORT)/  (demo logins in README.md)"
	$(BIN)/motcua run --host $(HOST) --port $(PORT)

browser:
	@scripts/ensure-test-tools

test: install browser test-sqlite
	@if $(PY) scripts/postgres_reachable.py "$(TEST_POSTGRES_URL)"; then \
		$(MAKE) --no-print-directory test-postgres; \
	else \
		echo "PostgreSQL not reachable at $(TEST_POSTGRES_URL): the PostgreSQL pass was skipped."; \
	fi

test-sqlite: install
	@echo "== motcua test suite on SQLite =="
	env -u DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: install
	@echo "== motcua test suite on PostgreSQL =="
	DATABASE_URL=$(TEST_POSTGRES_URL) $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

# Regenerate the translation catalogues (needs GNU gettext) and compile them.
messages: install
	cd src/motcua && ../../$(BIN)/motcua makemessages --locale en --no-obsolete --no-location --ignore "migrations/*"
	$(PY) scripts/compile_messages.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
