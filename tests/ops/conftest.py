"""The real stack for the integration tests: gunicorn serving the app, a `celery worker` process,
the machine's Redis as the broker (a database number and a queue of their own, so parallel runs
never share messages), an SMTP receiver, all on the test database."""

from __future__ import annotations

import importlib
import json
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from django.apps import apps
from django.db import connection

from tests.ops.servers import Process, SmtpSink, django_env, free_port, wait_for, worker

BROKER_DB = 11


@pytest.fixture
def seeded(transactional_db) -> None:
    """The migration's SLA targets and ticket categories, after a transactional test's flush."""
    seed = importlib.import_module(
        "tickets.migrations.0001_squashed_0005_ticket_org_status_priority_index"
    )
    seed.seed(apps, None)


@dataclass
class Stack:
    """gunicorn + worker + SMTP sink, configured only through the environment, as in production."""

    tmp: Path
    env: dict[str, str]
    queue: str
    sink: SmtpSink
    web_port: int
    web: Process | None = None
    workers: list[Process] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start_web(self) -> None:
        self.web = Process(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"],
            {**self.env, "BIND": f"127.0.0.1:{self.web_port}", "WEB_CONCURRENCY": "1"},
            self.tmp / "web.log",
        ).start()
        wait_for(lambda: self.get("/health/live")[0] == 200, timeout=60)

    def start_worker(self) -> Process:
        process = worker(self.env, self.tmp / f"worker{len(self.workers)}.log", self.queue)
        self.workers.append(process.start())
        wait_for(lambda: "ready." in process.output(), timeout=90)
        return process

    def worker_lines(self) -> list[dict[str, Any]]:
        """Every JSON log line the workers wrote."""
        lines = []
        for process in self.workers:
            for line in process.output().splitlines():
                if line.startswith("{"):
                    try:
                        lines.append(json.loads(line))
                    except ValueError:
                        continue
        return lines

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(  # noqa: S310 - our own server on loopback
            self.url + path, data=data, method=method, headers=headers or {}
        )
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()
        except OSError:
            return 0, {}, b""

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        status, _, body = self.request("GET", path, headers=headers)
        return status, body

    def stop(self) -> None:
        for process in self.workers:
            process.kill()
        if self.web is not None:
            self.web.kill()
        self.sink.stop()


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Stack]:
    """Web and worker processes on the test database; stopped (by their own ids) before the
    test database is dropped."""
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    queue = f"ops-test-{uuid.uuid4().hex[:10]}"
    sink = SmtpSink().start()
    env = django_env(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{name}",
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{BROKER_DB}",
        CELERY_QUEUE=queue,
        CELERY_VISIBILITY_TIMEOUT="6",  # a dead worker's message comes back after 6 s
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(sink.port),
        EMAIL_TIMEOUT="30",
        STAFF_NOTIFICATION_EMAIL="desk@middag.example",
        METRICS_TOKEN="integration-metrics-token",
    )
    stack = Stack(tmp_path_factory.mktemp("stack"), env, queue, sink, free_port())
    try:
        stack.start_web()
        yield stack
    finally:
        stack.stop()
        client = redis.Redis(host="127.0.0.1", port=6379, db=BROKER_DB)
        client.delete(queue)
        client.close()
