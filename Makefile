# Mindhaven: `make run` serves the site with demo data; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails point at the address `make run` serves.
export MINDHAVEN_SITE_URL ?= http://$(HOST):$(PORT)
VENDOR := mindhaven/core/static/vendor
PO_FILES := $(wildcard mindhaven/locale/*/LC_MESSAGES/*.po mindhaven/locale_overrides/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)
DATA_DIR := $(or $(MINDHAVEN_DATA_DIR),var)
STATIC_SOURCES := $(shell find mindhaven -path '*/static/*' -type f 2>/dev/null)

.PHONY: run test setup setup-dev vendor messages lint typecheck pytest bench clean

run: setup
	$(BIN)/mindhaven migrate --noinput -v0
	$(MAKE) --no-print-directory $(DATA_DIR)/static/.collected
	$(BIN)/mindhaven demo --if-empty
	HOST=$(HOST) PORT=$(PORT) $(BIN)/mindhaven serve --with-worker

test: setup-dev lint typecheck pytest

setup: $(VENV)/.installed vendor messages

setup-dev: $(VENV)/.installed-dev vendor messages

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Front-end packages come from npm (package-lock.json) and are served locally.
vendor: $(VENDOR)/htmx/htmx.min.js

$(VENDOR)/htmx/htmx.min.js: node_modules/.installed
	mkdir -p $(dir $@)
	cp node_modules/htmx.org/dist/htmx.min.js $@

messages: $(MO_FILES)

%.mo: %.po
	@command -v msgfmt >/dev/null || { echo "msgfmt is missing: install gettext (apt-get install gettext)"; exit 1; }
	msgfmt --check-format -o $@ $<

# Hashing and compressing static files takes a while: only when they changed.
$(DATA_DIR)/static/.collected: $(STATIC_SOURCES) $(VENV)/.installed
	$(BIN)/mindhaven collectstatic --noinput -v0
	touch $@

lint:
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck:
	$(BIN)/mypy mindhaven bench

pytest:
	$(BIN)/pytest

bench: setup-dev
	$(BIN)/python bench/pages.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
