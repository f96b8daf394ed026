# Mindhaven: `make run` serves the site with demo data; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
VENDOR := mindhaven/core/static/vendor
PO_FILES := $(wildcard mindhaven/locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test setup setup-dev vendor messages lint typecheck pytest bench clean

run: setup
	$(BIN)/mindhaven migrate --noinput -v0
	$(BIN)/mindhaven collectstatic --noinput -v0
	$(BIN)/mindhaven demo --if-empty
	HOST=$(HOST) PORT=$(PORT) $(BIN)/mindhaven serve

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
vendor: node_modules/.installed
	mkdir -p $(VENDOR)/htmx $(VENDOR)/axe-core
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/axe-core/axe.min.js $(VENDOR)/axe-core/

messages: $(MO_FILES)

%.mo: %.po
	@command -v msgfmt >/dev/null || { echo "msgfmt is missing: install gettext (apt-get install gettext)"; exit 1; }
	msgfmt --check-format -o $@ $<

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
