# Skincare Shop. The two commands: `make run` and `make test`. See README.md.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8080
HOST ?= 127.0.0.1
# Empty: gunicorn.conf.py chooses (one worker with 8 threads without MONGO_URI, else 2 with 4).
WORKERS ?=
THREADS ?=
SCALE ?= 100000
export FLASK_APP := wsgi.py

.PHONY: run test serve install install-dev db-migrate db-upgrade db-seed db-seed-scale db-reset worker lint format \
        translations translations-extract translations-compile docker-up docker-down docker-config bench clean screenshots

## run: set up the venv, migrate the SQLite database, load demo data and serve at http://$(HOST):$(PORT)
run: install translations-compile db-upgrade db-seed serve

## test: set up the venv (with test tools, Chromium and Khmer fonts), run ruff and mypy, then the whole suite
test: install-dev translations-compile
	@scripts/test.sh

serve:
	@echo "Serving the shop at http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	WEB_CONCURRENCY=$(WORKERS) THREADS=$(THREADS) $(BIN)/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT) wsgi:app

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## db-upgrade (alias db-migrate): apply migrations to the configured database
db-upgrade db-migrate: install
	$(BIN)/flask db upgrade

## db-seed: load the demo shop (idempotent); prints the admin login
db-seed: install
	$(BIN)/flask seed

## db-seed-scale: demo shop plus SCALE generated products (default 100000), for benchmarks
db-seed-scale: install
	$(BIN)/flask seed --scale $(SCALE)

## db-reset: drop everything, migrate from empty and seed again
db-reset: install
	$(BIN)/flask db downgrade base
	$(BIN)/flask db upgrade
	$(BIN)/flask seed

## worker: an RQ worker (needs REDIS_URL or REDIS_HOST)
worker: install
	$(BIN)/python worker.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check shop web storefront admin api tests
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff format shop web storefront admin api tests
	$(BIN)/ruff check --fix .

## screenshots: the main shop and staff pages at 390 and 1366 px in English and Khmer, into screenshots/
screenshots: install-dev translations-compile
	$(BIN)/python scripts/screenshots.py

## translations: extract strings, update the Khmer catalog, compile
translations: translations-extract translations-compile

translations-extract: install
	$(BIN)/pybabel extract --no-location --sort-by-file -F babel.cfg -k _l -k lazy_gettext -k _m -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations -l km

translations-compile: install
	$(BIN)/pybabel compile --statistics -d translations

docker-up:
	docker compose up --build

docker-down:
	docker compose down

docker-config:
	@if docker compose version >/dev/null 2>&1; then docker compose config --quiet; \
	else docker-compose config --quiet; fi && echo "docker-compose.yml is valid"

bench: install-dev
	$(BIN)/python benchmarks/seed_scale.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
