"""Faults: the database connection dropped mid-request, Redis configured but down."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection
from django.db.models.signals import post_save

from accounts.models import IdempotencyKey
from tests.conftest import API, client_for
from tests.helpers import run_python
from tickets.models import Ticket, TicketStatusChange

REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
    }
}


def _terminate(pid: int) -> None:
    """From a second connection, as an operator or a failover would."""
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        dbname=params["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@contextmanager
def _connection_killed_after_saving(model) -> Iterator[list[int]]:
    """Terminate this connection right after the first new `model` row is saved; yields the
    list that receives the killed backend's pid (empty if the fault was never injected)."""
    killed: list[int] = []
    uid = f"fault-test-{model.__name__}"

    def kill_after_save(sender, instance, created, **kwargs) -> None:
        if created and not killed:
            killed.append(connection.connection.info.backend_pid)
            _terminate(killed[0])

    post_save.connect(kill_after_save, sender=model, dispatch_uid=uid)
    try:
        yield killed
    finally:
        post_save.disconnect(dispatch_uid=uid, sender=model)


@pytest.mark.postgres
def test_connection_killed_mid_request_is_a_503_envelope_and_leaves_no_partial_rows(
    committed_world,
):
    world = committed_world
    client = client_for(world.member, world.org)
    tickets_before = Ticket.objects.count()
    history_before = TicketStatusChange.objects.count()
    body = {
        "entitlement_id": world.env_entitlement.pk,
        "title": "Half written",
        "description": "The database goes away after the ticket row is inserted.",
    }
    with _connection_killed_after_saving(Ticket) as killed:
        response = client.post(f"{API}/tickets", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert killed, "the hook did not run: the fault was not injected"
    assert response.status_code == 503, response.content
    envelope = response.json()
    assert envelope["success"] is False
    assert envelope["data"] is None
    assert envelope["errors"]["code"] == "SERVICE_UNAVAILABLE"
    assert "Traceback" not in response.content.decode()
    # A new connection sees nothing of the request: the ticket, its history, the key.
    assert Ticket.objects.count() == tickets_before
    assert not Ticket.objects.filter(title="Half written").exists()
    assert TicketStatusChange.objects.count() == history_before
    assert not IdempotencyKey.objects.exists()

    # The retry (same key) works on a fresh connection and takes the number the failed request
    # gave back: the sequence row was rolled back with it, so numbers stay gapless.
    retry = client.post(f"{API}/tickets", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert retry.status_code == 201, retry.content
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers[-1] == retry.json()["data"]["number"]
    last, previous = (int(n.rsplit("-", 1)[1][4:]) for n in (numbers[-1], numbers[-2]))
    assert last == previous + 1
    assert Ticket.objects.count() == tickets_before + 1


@pytest.mark.postgres
def test_connection_killed_during_a_transition_leaves_the_status_and_history_alone(committed_world):
    from entitlements.models import Entitlement, EntitlementStatusChange

    world = committed_world
    client = client_for(world.user("staff"), world.org)
    entitlement = world.env_entitlement
    with _connection_killed_after_saving(EntitlementStatusChange) as killed:
        response = client.post(
            f"{API}/entitlements/{entitlement.pk}/suspend", {"reason": "x"}, format="json"
        )
    assert killed
    assert response.status_code == 503
    assert response.json()["errors"]["code"] == "SERVICE_UNAVAILABLE"
    assert Entitlement.objects.get(pk=entitlement.pk).status == "active"
    assert not EntitlementStatusChange.objects.filter(to_status="suspended").exists()
    again = client.post(
        f"{API}/entitlements/{entitlement.pk}/suspend", {"reason": "x"}, format="json"
    )
    assert again.status_code == 200


def test_redis_down_requests_still_work_and_throttling_degrades(settings, world, caplog):
    settings.CACHES = REDIS_DOWN
    settings.API_THROTTLE_AUTH = "2/min"
    from django.core.cache import cache

    with pytest.raises(Exception):  # noqa: B017, PT011 - the cache really is unreachable
        cache.get("probe")
    for _ in range(4):  # more than the rate: nothing can count them, so none is refused
        login = world.clients["anon"].post(
            f"{API}/auth/login",
            {"email": world.member.email, "password": "wrong"},
            format="json",
        )
        assert login.status_code == 401, login.content
    register = world.clients["anon"].post(
        f"{API}/auth/register",
        {"email": "new@example.com", "password": "a-long-unusual-pass-42", "name": "N"},
        format="json",
    )
    assert register.status_code == 201
    assert world.clients["member"].get(f"{API}/tickets").status_code == 200
    created = world.clients["member"].post(
        f"{API}/tickets",
        {"entitlement_id": world.env_entitlement.pk, "title": "T", "description": "D"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="redis-down",
    )
    assert created.status_code == 201
    assert "Throttle cache unavailable" in caplog.text


def test_redis_down_from_the_environment_still_serves(tmp_path):
    """The same with CACHE_URL pointing at a closed port, in a process of its own."""
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "from django.conf import settings;"
        "c = Client();"
        "r = [c.post('/wp-json/middag-account/v1/auth/register', {'email': 'x', 'password': 'y'},"
        " content_type='application/json').status_code for _ in range(7)];"
        "print(json.dumps([settings.CACHES['default']['BACKEND'], r]))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "1",  # development settings: the secrets are generated locally
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CACHE_URL": "redis://127.0.0.1:1/0",
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "db.sqlite3"),
        "API_THROTTLE_AUTH": "5/min",
    }
    result = run_python("-c", script, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    backend, statuses = __import__("json").loads(result.stdout.strip().splitlines()[-1])
    assert backend == "django.core.cache.backends.redis.RedisCache"
    assert statuses == [422] * 7  # validated, never throttled, never a 500
