# Two commands on a fresh machine: `make run` and `make test`. `make install` builds .venv alone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench samples clean web-assets

install: $(STAMP) web-assets

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# The web view's GOV.UK Frontend CSS and the browser tests' axe-core, from the npm registry
# (not committed): installed into build/npm, the CSS adapted and copied to tracker/web/static/govuk.
WEB_NPM := build/npm
GOVUK_CSS := tracker/web/static/govuk/govuk-frontend.min.css

web-assets: $(GOVUK_CSS)

$(GOVUK_CSS): $(STAMP) tracker/web/assets.py
	mkdir -p $(WEB_NPM)
	test -f $(WEB_NPM)/package.json || echo '{"private": true}' > $(WEB_NPM)/package.json
	cd $(WEB_NPM) && npm install --no-audit --no-fund --save-exact govuk-frontend@5.14.0 axe-core@4.14.1
	$(BIN)/python -m tracker.web.assets $(WEB_NPM)/node_modules

# The service on the bundled sample workbooks: e-mails land in var/outbox as .eml files, the web
# view on http://127.0.0.1:8080/ (a national demo user is made on the first run, its password
# printed once and kept in var/demo-password). Ctrl-C stops it.
SAMPLE_CONFIG := sample_workbooks/tracker.toml
run: install
	@if [ ! -f var/demo-password ]; then \
		mkdir -p var && umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(12))" > var/demo-password && \
		$(BIN)/tracker user add demo --national --password-stdin --replace --config $(SAMPLE_CONFIG) < var/demo-password; \
	fi
	@echo "web view: http://127.0.0.1:8080/  user: demo  password: $$(cat var/demo-password)"
	$(BIN)/tracker run --config $(SAMPLE_CONFIG)

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/check.py
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/web.py

samples: install
	$(BIN)/python sample_workbooks/generate.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache build tracker/web/static/govuk
