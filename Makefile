# Two commands on a fresh machine: `make run` and `make test`. `make install` builds .venv alone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench samples clean web-assets

install: $(STAMP) web-assets

$(STAMP): pyproject.toml
	@echo "Installing the tracker and its test tools into $(VENV) (a few minutes on a fresh machine)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# The web view's GOV.UK Frontend CSS and the browser tests' axe-core, from the npm registry
# (not committed): installed into build/npm, the CSS adapted and copied to tracker/web/static/govuk.
WEB_NPM := build/npm
GOVUK_CSS := tracker/web/static/govuk/govuk-frontend.min.css

web-assets: $(GOVUK_CSS)

$(GOVUK_CSS): $(STAMP) tracker/web/assets.py
	@echo "Fetching GOV.UK Frontend and axe-core from the npm registry into $(WEB_NPM)"
	mkdir -p $(WEB_NPM)
	test -f $(WEB_NPM)/package.json || echo '{"private": true}' > $(WEB_NPM)/package.json
	cd $(WEB_NPM) && npm install --no-audit --no-fund --save-exact govuk-frontend@5.14.0 axe-core@4.14.1
	$(BIN)/python -m tracker.web.assets $(WEB_NPM)/node_modules

# The service on a fresh copy of the sample boards built as of today (var/demo/): this week's
# e-mails land in var/outbox as .eml files at once, the web view on http://127.0.0.1:8080/ (PORT=8081
# for another); a national demo user is made on the first run, its password kept in var/demo-password
# and printed once the service is ready. Ctrl-C stops it.
run: install
	$(BIN)/python scripts/demo.py $(if $(PORT),--port $(PORT)) $(if $(HOST),--host $(HOST))

# The browser tests' Chromium first (found, or installed: scripts/browser.py), then the suite.
test: install
	@$(BIN)/python scripts/browser.py
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/check.py
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/cli.py

samples: install
	$(BIN)/python sample_workbooks/generate.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache build tracker/web/static/govuk
