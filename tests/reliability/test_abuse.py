"""Abuse: shared throttles through Redis, body size, bounded inputs, deploy checks, CORS."""

from __future__ import annotations

import json
import os
import random
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import API
from tests.helpers import production_env, run_python
from tickets.models import Ticket

BASE_DIR = Path(settings.BASE_DIR)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")

_ATTEMPTS = """
import json, sys
import django
django.setup()
from django.test import Client

path, ip, email, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
client = Client(REMOTE_ADDR=ip)
body = {"email": email, "password": "wrong-password", "name": "x"}
out = []
for _ in range(count):
    r = client.post(path, body, content_type="application/json")
    out.append([r.status_code, r.get("Retry-After")])
print(json.dumps(out))
"""


def _worker(path: str, ip: str, email: str, count: int) -> list[list]:
    """Another process (as another gunicorn worker would be) sharing only the Redis cache."""
    params = connection.settings_dict
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CACHE_URL": REDIS_URL,
        "API_THROTTLE_AUTH": "5/min",
        "DATABASE_URL": (
            f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:"
            f"{params['PORT'] or 5432}/{params['NAME']}"
        ),
    }
    result = run_python("-c", _ATTEMPTS, path, ip, email, str(count), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _fresh_ip() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"  # noqa: S311


@pytest.mark.postgres
@pytest.mark.django_db
def test_login_throttle_is_shared_across_processes_through_redis():
    ip, email = _fresh_ip(), f"{uuid.uuid4().hex}@example.com"
    first = _worker(f"{API}/auth/login", ip, email, 5)
    assert [status for status, _ in first] == [401] * 5
    # Another process, same address: the sixth attempt in the minute is refused.
    second = _worker(f"{API}/auth/login", ip, f"{uuid.uuid4().hex}@example.com", 1)
    assert second[0][0] == 429
    assert int(second[0][1]) > 0  # Retry-After
    # Another process, another address, the same email: the per-email count is shared too.
    third = _worker(f"{API}/auth/login", _fresh_ip(), email, 1)
    assert third[0][0] == 429


@pytest.mark.postgres
@pytest.mark.django_db
def test_register_throttle_is_shared_across_processes_through_redis():
    ip = _fresh_ip()
    first = _worker(f"{API}/auth/register", ip, "not-an-email", 5)
    assert [status for status, _ in first] == [422] * 5
    second = _worker(f"{API}/auth/register", ip, "not-an-email", 1)
    assert second[0][0] == 429
    assert second[0][1]


# --- request size and bounded inputs -----------------------------------------------------


def test_oversized_bodies_are_413_in_each_apis_style(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    before = Ticket.objects.count()
    account = world.clients["member"].post(
        f"{API}/tickets",
        {"entitlement_id": world.env_entitlement.pk, "title": "T", "description": big},
        format="json",
    )
    assert account.status_code == 413
    assert account.json()["errors"]["code"] == "PAYLOAD_TOO_LARGE"
    assert account.json()["data"] is None
    helpdesk = world.clients["member"].post(
        "/api/v1/raise_ticket",
        {"type": "Hosting", "subject": "S", "comments": big, "userId": world.member.pk},
        format="json",
    )
    assert helpdesk.status_code == 413
    assert helpdesk.json()["errorCode"] == 413
    isp = world.clients["staff"].post(
        "/api/v1/tickets", {"title": "T", "description": big}, format="json"
    )
    assert isp.status_code == 413
    assert isp.json()["success"] is False
    assert Ticket.objects.count() == before


def test_the_default_body_limit_is_one_megabyte():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024


@pytest.mark.parametrize(
    "path",
    ["tickets", "entitlements", "environments", "services", "organizations"],
)
def test_per_page_is_clamped_to_100(world, path):
    response = world.clients["owner"].get(f"{API}/{path}", {"per_page": 10**9})
    assert response.status_code == 200
    assert response.json()["meta"]["per_page"] == 100


@pytest.mark.parametrize("path", ["tickets", "entitlements"])
def test_search_longer_than_200_characters_is_422(world, path):
    client = world.clients["member"]
    assert client.get(f"{API}/{path}", {"search": "a" * 200}).status_code == 200
    response = client.get(f"{API}/{path}", {"search": "a" * 201})
    assert response.status_code == 422
    assert "search" in response.json()["errors"]["fields"]


def test_compat_lists_are_bounded(world):
    isp = world.clients["staff"].get(
        "/api/v1/tickets",
        {
            "isp_id": world.org.pk,
            "branch_id": 0,
            "user_id": world.user("staff").pk,
            "per_page": 10**9,
        },
    )
    assert isp.status_code == 200
    helpdesk = world.clients["member"].get(f"/api/v1/get_tickets/0?per_page={10**12}")
    assert helpdesk.status_code == 200


# --- production settings ------------------------------------------------------------------


def test_check_deploy_passes_at_warning_level(tmp_path):
    env = production_env(
        tmp_path,
        CACHE_URL="redis://127.0.0.1:6379/0",
        CORS_ALLOWED_ORIGINS="https://portal.middag.example",
    )
    result = run_python(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# --- CORS ---------------------------------------------------------------------------------

ORIGIN = "https://portal.middag.example"


def test_cors_preflight_allows_the_organization_and_write_headers(anon, settings):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    response = anon.options(
        f"{API}/tickets/1",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=(
            "authorization, content-type, x-middag-organization, x-middag-company, "
            "idempotency-key, if-match"
        ),
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {
        "authorization",
        "content-type",
        "x-middag-organization",
        "x-middag-company",
        "idempotency-key",
        "if-match",
    } <= allowed
    assert "PATCH" in response["Access-Control-Allow-Methods"]


def test_cors_exposes_etag_and_retry_after(world, settings):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    response = world.clients["member"].get(f"{API}/tickets/{world.ticket.pk}", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "retry-after", "idempotent-replayed"} <= exposed


def test_cors_refuses_other_origins(anon, settings):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    response = anon.options(
        f"{API}/tickets",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert "Access-Control-Allow-Origin" not in response


def test_cors_stays_off_outside_the_apis(anon, settings):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    response = anon.get("/admin/login/", HTTP_ORIGIN=ORIGIN)
    assert "Access-Control-Allow-Origin" not in response
