# Every target sets up .venv itself: a fresh clone needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install translations messages run test lint bench loadtest clean

install: $(VENV)/.installed translations

$(VENV)/.installed: setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s); set PYTHON=..." % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# Compiled catalogues (.mo) are built from the committed .po files, never committed themselves.
translations: $(VENV)/.installed
	@$(BIN)/pybabel -q compile -d learn_habitat/translations

# For developers: gather new interface strings into the catalogue template and every language.
messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k N_ -k lazy_gettext --no-location --no-wrap --sort-output \
		--project learn-habitat --version 0.1 --copyright-holder "learn-habitat contributors" \
		-o learn_habitat/translations/messages.pot .
	$(BIN)/pybabel -q update --no-fuzzy-matching --no-wrap -i learn_habitat/translations/messages.pot -d learn_habitat/translations

run: install
	$(BIN)/learn-habitat db upgrade
	@# A broken course is reported but does not stop the site: the valid courses are still served.
	-$(BIN)/learn-habitat check
	$(BIN)/learn-habitat serve --host $(HOST) --port $(PORT)

# The test suite's JavaScript tools (an LMS-side SCORM runtime), pinned by package-lock.json.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the SCORM runtime tests will be skipped"; fi

test: install node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check
	$(BIN)/ruff format --check

bench: install
	$(BIN)/python -m bench

# The long load and fault test (100 learners; PostgreSQL runs create and drop their own database).
loadtest: install
	$(BIN)/python -m loadtest.run --users 100 --duration 60 --database sqlite
	$(BIN)/python -m loadtest.run --users 100 --duration 60 --database postgresql --outage

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
