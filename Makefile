# Two commands on a fresh machine: `make run` and `make test`. `make install` builds .venv alone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench samples clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# Until the service exists: check the bundled sample workbooks as of today.
run: install
	$(BIN)/tracker check sample_workbooks/*.xlsx; test $$? -le 1

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/check.py

samples: install
	$(BIN)/python sample_workbooks/generate.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
