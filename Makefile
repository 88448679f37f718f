# Twinning: set-up, run and test on a fresh machine with Python 3.11+, make and npm.
# Each step leaves a stamp so that a second run does nothing when nothing changed.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
VENDOR := static/vendor

.PHONY: run test setup assets migrate demo lint format bench loadtest backup restore worker clean help

help:
	@echo "make run    - set up, migrate, load the demo data and serve on http://127.0.0.1:8000"
	@echo "make test   - set up and run the whole test suite"
	@echo "make lint   - ruff check and format check"
	@echo "make worker - run a Celery worker (needs REDIS_URL)"
	@echo "make bench  - build a large register in a scratch database and time the main pages (BENCH_ARGS=...)"
	@echo "make loadtest - gunicorn with 2 workers against PostgreSQL, 20 signed-in clients and 50 anonymous readers for 60 seconds"
	@echo "make backup [BACKUP=file] - back up the database (pg_dump, or SQLite's online backup), readable by its owner alone"
	@echo "make restore BACKUP=file [YES=1] - restore a backup made by make backup; YES=1 replaces"
	@echo "                             the data the database holds without asking (for scripts and cron)"

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/activate requirements.txt requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.copied: node_modules/.installed
	mkdir -p $(VENDOR)/bootstrap/css $(VENDOR)/bootstrap/js
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map $(VENDOR)/bootstrap/css/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map $(VENDOR)/bootstrap/js/
	touch $@

setup: $(VENV)/.installed $(VENDOR)/.copied
	@mkdir -p var

assets: $(VENDOR)/.copied

migrate: setup
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_demo

run: demo
	$(MANAGE) runserver 127.0.0.1:8000

# The suite runs on every core (up to four processes), each with a test database and a
# Redis number of its own; TEST_PROCESSES=0 runs it in this one process.
TEST_PROCESSES ?= auto

test: setup
	$(PY) -m pytest --numprocesses=$(TEST_PROCESSES) --maxprocesses=4 $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

worker: setup
	$(VENV)/bin/celery -A twinning worker --loglevel=info

bench: setup
	$(PY) -m scripts.bench $(BENCH_ARGS)

loadtest: setup
	$(PY) -m scripts.loadtest $(LOADTEST_ARGS)

backup: setup
	$(MANAGE) backup $(if $(BACKUP),--output "$(BACKUP)")

restore: setup
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=path/to/backup [YES=1]"; exit 2; }
	$(MANAGE) restore "$(BACKUP)" $(if $(filter 1 yes true,$(YES)),--yes)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var .pytest_cache
