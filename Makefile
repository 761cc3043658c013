# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: install run test lint format serve demo clean bench soak profile worker beat procfile

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

# Background jobs (issue 16): Celery against CELERY_BROKER_URL (Redis by default; RabbitMQ works too).
BROKER_REQUIRED = test -n "$${CELERY_BROKER_URL}" || { echo "Set CELERY_BROKER_URL, e.g. redis://127.0.0.1:6379/2 (without it tasks run inside the web process)."; exit 1; }

worker: install  ## a Celery worker: sends the mail, runs what beat queues (any number of them)
	@$(BROKER_REQUIRED)
	$(BIN)/python -m celery -A config worker --loglevel $${LOG_LEVEL:-INFO} --concurrency $${WORKER_CONCURRENCY:-2}

beat: install  ## Celery beat, the one scheduler (exactly one per deployment)
	@$(BROKER_REQUIRED)
	$(BIN)/python -m celery -A config beat --loglevel $${LOG_LEVEL:-INFO}

procfile: install  ## web (gunicorn), worker and beat together with honcho; development settings, Redis db 2
	$(DEV) PATH="$(abspath $(BIN)):$$PATH" CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/2} $(BIN)/honcho start

bench: install  ## gunicorn + wrk against BENCH_TICKETS (100000) tickets in PostgreSQL, then the soak
	$(BIN)/python -m bench.run $(BENCH_ARGS)

soak: install  ## only the soak run (60 s, concurrency 32, mixed reads and writes)
	$(BIN)/python -m bench.run --soak only $(BENCH_ARGS)

profile: install  ## where one benchmark scenario's time goes, in-process (SCENARIO="staff: ticket detail")
	$(BIN)/python -m bench.profile "$${SCENARIO:-client: ticket list, first page}"

clean:
	rm -rf $(VENV) var staticfiles
