# Every target sets up .venv itself: a fresh clone needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install install-test lock messages run test lint bench loadtest clean

# Every install comes from a lock with hashes (requirements/*.txt, made by `make lock`): the site's
# dependencies for `make run`, those plus the test tools for `make test`. The project itself is
# installed without resolving anything (--no-deps) and built with the locked setuptools.
install: $(VENV)/.installed-run
	@$(COMPILE_CATALOGUES)
install-test: $(VENV)/.installed-test
	@$(COMPILE_CATALOGUES)

# Compiled catalogues (.mo) are built from the committed .po files, never committed themselves.
COMPILE_CATALOGUES = $(BIN)/pybabel -q compile -d learn_habitat/translations

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s); set PYTHON=..." % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run $(VENV)/.installed-test: $(VENV)/.installed-%: requirements/%.txt setup.cfg pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $<
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

# Refresh both locks from setup.cfg's ranges (the run lock first; the test lock keeps its versions).
$(VENV)/.installed-tools: requirements/tools.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $<
	@touch $@

lock: $(VENV)/.installed-tools
	$(BIN)/uv pip compile setup.cfg requirements/build.in $(LOCK_FLAGS) -o requirements/run.txt
	$(BIN)/uv pip compile setup.cfg requirements/build.in --extra test -c requirements/run.txt $(LOCK_FLAGS) -o requirements/test.txt

LOCK_FLAGS = --quiet --generate-hashes --universal --python-version 3.11 --custom-compile-command "make lock" $(LOCK_ARGS)

# For developers: gather new interface strings into the catalogue template and every language.
messages: install
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

test: install-test node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check
	$(BIN)/ruff format --check

bench: install-test
	$(BIN)/python -m bench

# The long load and fault test (100 learners; PostgreSQL runs create and drop their own database).
loadtest: install-test
	$(BIN)/python -m loadtest.run --users 100 --duration 60 --database sqlite
	$(BIN)/python -m loadtest.run --users 100 --duration 60 --database postgresql --outage

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
