"""`/health/live` and `/health/ready`: in process, and against gunicorn whose Redis (a
redis-server of the test's own) and PostgreSQL (behind a proxy the test closes) go away and
come back (issue 16, items 4 and 8)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import pytest
from django.db import connection

from ops.health import Migrations
from tests.ops.servers import (
    Process,
    RedisServer,
    TcpProxy,
    django_env,
    free_port,
    wait_for,
)


def test_live_answers_without_the_database(client):
    response = client.get("/health/live")  # no django_db mark: a query would be an error
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_ready_names_each_check_and_reveals_nothing_else(client):
    response = client.get("/health/ready/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok", "migrations": "ok"},
    }
    assert client.get("/health/ready", HTTP_ACCEPT="text/html").json()["status"] == "ok"


@pytest.mark.django_db
def test_ready_is_503_when_the_cache_is_unreachable(client, settings):
    port = free_port()  # nothing listens there
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"] == "unavailable"
    assert str(port) not in response.content.decode()  # no hosts, ports or error texts


@pytest.mark.django_db
def test_pending_migrations_are_not_ready(client, monkeypatch):
    monkeypatch.setattr(Migrations, "_applied", False)
    monkeypatch.setattr(
        "django.db.migrations.executor.MigrationExecutor.migration_plan",
        lambda self, targets: [("pending", False)],
    )
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "unavailable"


@pytest.fixture(scope="module")
def served(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[dict]:
    """gunicorn with its cache and broker on a redis-server of the test's own and its database
    behind a proxy, so both can be stopped without touching the machine's services."""
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    redis_server = RedisServer().start()
    proxy = TcpProxy(int(connection.settings_dict.get("PORT") or 5432)).start()
    port = free_port()
    env = django_env(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{proxy.port}/{name}",
        CACHE_URL=f"{redis_server.url}/0",
        CELERY_BROKER_URL=f"{redis_server.url}/1",
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
    )
    web = Process(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"],
        env,
        tmp_path_factory.mktemp("health") / "web.log",
    ).start()
    parts = {"redis": redis_server, "proxy": proxy, "web": web, "port": port}
    try:
        wait_for(lambda: ready(parts)[0] in (200, 503), timeout=60)
        yield parts
    finally:
        web.kill()
        redis_server.stop()
        proxy.stop()


def ready(parts: dict) -> tuple[int, dict]:
    import urllib.error
    import urllib.request

    try:
        url = f"http://127.0.0.1:{parts['port']}/health/ready"
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except OSError:
        return 0, {}


@pytest.mark.postgres
def test_ready_follows_redis_going_away_and_coming_back(served):
    assert ready(served) == (200, {"status": "ok", "checks": dict.fromkeys(CHECKS, "ok")})
    served["redis"].stop()
    status, body = ready(served)
    assert status == 503
    assert body["checks"]["cache"] == "unavailable"
    assert body["checks"]["broker"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    served["redis"].start()
    wait_for(lambda: ready(served)[0] == 200, timeout=30)


@pytest.mark.postgres
def test_ready_follows_postgresql_going_away_and_coming_back(served):
    wait_for(lambda: ready(served)[0] == 200, timeout=30)
    served["proxy"].stop()
    status, body = ready(served)
    assert status == 503
    assert body["checks"]["database"] == "unavailable"
    assert body["checks"]["cache"] == "ok"
    served["proxy"].start()
    wait_for(lambda: ready(served)[0] == 200, timeout=30)


CHECKS = ("database", "cache", "broker", "migrations")
