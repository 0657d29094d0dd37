# The front door. `make run` and `make test` set up everything they need on first use.
VENV   ?= .venv
PY     := $(VENV)/bin/python
LOCKS  := requirements/build.lock requirements/test.lock
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCKS) | cksum | cut -d' ' -f1)
PO     := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)

.PHONY: help run check test test-sqlite postgres translations extract lint chromium podman clean bench

help:  ## Show the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

# pip and setuptools first (a new venv brings setuptools 65.5.0, which has known
# vulnerabilities), then exactly the locked versions, each file checked against its hash
# (scripts/lock.py makes the locks), then this project itself, which adds no dependency.
$(STAMP): pyproject.toml $(LOCKS)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r requirements/build.lock
	$(PY) -m pip install -q --require-hashes -r requirements/test.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*; touch $@

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel compile -d translations -l $* -i $< -o $@

translations: $(MO)  ## Compile the message catalogs

extract: $(STAMP)  ## Re-extract messages.pot and update every catalog from it
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs=".venv var tests scripts" --no-location --sort-output -o translations/messages.pot .
	$(VENV)/bin/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations

run: $(STAMP) translations  ## Start the web app, the worker and (without REDIS_URL) an embedded Redis
	$(PY) scripts/run_dev.py

chromium:  ## Install Debian's Chromium and the fonts its pages need (Noto), if missing
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@# Ethiopic (Tigrinya), Thai, Arabic Naskh and Urdu Nastaliq: without them Chromium draws boxes.
	@dpkg -s fonts-noto-core >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-core >/dev/null; }

# Test markers (tests/markers.py) say what a test needs; each target selects by them.
PYTEST := $(PY) -m pytest

check: $(STAMP) translations lint  ## The loop while working: lint, unit tests, integration tests on SQLite without a browser or live processes
	TEST_DATABASE=sqlite $(PYTEST) -q -m "not browser and not live" tests/unit tests/integration

# Every test runs on SQLite; those whose answer can depend on the database (each_database)
# run again on PostgreSQL. Unit and browser tests run once; postgresql_only tests only there.
test: $(STAMP) translations chromium postgres podman lint  ## Lint, then every test: all on SQLite, those the database can change again on PostgreSQL
	@started=$$(date +%s); \
	echo "== SQLite: every test"; \
	TEST_DATABASE=sqlite $(PYTEST) --durations=25 \
	&& echo "== PostgreSQL: the tests the database can change (each_database)" \
	&& TEST_DATABASE=postgresql $(PYTEST) --durations=25 -m each_database; \
	status=$$?; took=$$(( $$(date +%s) - started )); \
	echo "make test: $$((took / 60)) min $$((took % 60)) s for both passes (exit status $$status)"; \
	exit $$status

podman:  ## Install podman and build the stand-in base images for tests/container, if missing
	@scripts/container_base.sh

test-sqlite: $(STAMP) translations chromium  ## Run every test on SQLite only
	TEST_DATABASE=sqlite $(PYTEST)

postgres:  ## Make sure PostgreSQL answers at TEST_POSTGRES_URL (default 127.0.0.1:5432, database test)
	@scripts/ensure_postgres.sh

bench: $(STAMP) translations  ## Benchmark the real system on this machine and print the figures (QUICK=1: small)
	$(PY) scripts/bench.py

lint: $(STAMP)  ## Lint (ruff, as pyproject.toml configures it)
	$(VENV)/bin/ruff check .

clean:  ## Remove the virtualenv, compiled catalogs and local data
	rm -rf $(VENV) var $(MO)
