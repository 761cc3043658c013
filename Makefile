# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: install run test lint format serve demo clean bench soak profile

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/.installed

# Settings fail closed (DEBUG defaults to 0); development and the tests turn debugging on here.
DEV := DEBUG=$${DEBUG:-1}

run: install  ## migrate the SQLite database, load demo data, serve on 127.0.0.1:8000
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) $(BIN)/python manage.py load_demo
	$(DEV) $(BIN)/python manage.py runserver $(HOST)

test: install  ## the whole suite (PostgreSQL when DATABASE_URL points at it)
	$(DEV) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

serve: install  ## gunicorn, as in production (set DEBUG=0 and the production variables)
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/gunicorn -c config/gunicorn.py --bind $(HOST) --workers $${WORKERS:-2}

bench: install  ## gunicorn + wrk against BENCH_TICKETS (100000) tickets in PostgreSQL, then the soak
	$(BIN)/python -m bench.run $(BENCH_ARGS)

soak: install  ## only the soak run (60 s, concurrency 32, mixed reads and writes)
	$(BIN)/python -m bench.run --soak only $(BENCH_ARGS)

profile: install  ## where one benchmark scenario's time goes, in-process (SCENARIO="staff: ticket detail")
	$(BIN)/python -m bench.profile "$${SCENARIO:-client: ticket list, first page}"

clean:
	rm -rf $(VENV) var staticfiles
