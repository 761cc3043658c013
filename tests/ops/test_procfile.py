"""The Procfile starts web, worker and beat together under honcho, each ready (issue 16, item 7)."""

from __future__ import annotations

import os
import signal
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

from tests.ops.conftest import BROKER_DB
from tests.ops.servers import Process, django_env, free_port, wait_for

pytestmark = pytest.mark.postgres


def test_honcho_starts_web_worker_and_beat(django_db_setup, django_db_blocker, tmp_path):
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    port, queue = free_port(), f"ops-procfile-{uuid.uuid4().hex[:8]}"
    env = django_env(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{name}",
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{BROKER_DB}",
        CELERY_QUEUE=queue,
        CELERY_BEAT_SCHEDULE_FILENAME=str(tmp_path / "beat-schedule"),
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        WORKER_CONCURRENCY="1",
    )
    # The Procfile's `python` is this virtualenv's, wherever it is (CI builds one elsewhere).
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    honcho = Process([sys.executable, "-m", "honcho", "start"], env, tmp_path / "honcho.log")
    honcho.start()
    try:
        url = f"http://127.0.0.1:{port}/health/ready"

        def ready() -> bool:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    return response.status == 200
            except OSError:
                return False

        wait_for(ready, timeout=90)
        wait_for(lambda: "ready." in honcho.output(), timeout=90)  # the worker
        wait_for(lambda: "beat: Starting" in honcho.output(), timeout=90)
        assert "web.1" in honcho.output()
    finally:
        honcho.kill(signal.SIGTERM)  # honcho passes it on: every process stops
        client = redis.Redis(host="127.0.0.1", port=6379, db=BROKER_DB)
        client.delete(queue)
        client.close()
    assert "worker.1 stopped" in honcho.output()
    assert "beat.1 stopped" in honcho.output()
