"""JSON log lines with the request id, user, organization, method, path, status and duration;
the id honoured or replaced and echoed; tasks log the id of the request that queued them; no
secret reaches any line (issue 16, item 6)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.db import connection
from rest_framework.test import APIClient

from ops.logs import JsonFormatter, redact
from ops.models import Delivery
from tests.conftest import client_for
from tickets.reply_addresses import reply_address, root_message_id

pytestmark = pytest.mark.django_db
API = "/wp-json/middag-account/v1"


class Lines:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def all(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines() if line]


@pytest.fixture
def lines() -> Iterator[Lines]:
    """Every record any logger emits, at DEBUG and above, through the production formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    db_logger = logging.getLogger("django.db.backends")
    old_db_level = db_logger.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    db_logger.setLevel(logging.DEBUG)  # SQL with its parameters too
    connection.force_debug_cursor = True
    try:
        yield Lines(stream)
    finally:
        connection.force_debug_cursor = False
        root.removeHandler(handler)
        root.setLevel(old_level)
        db_logger.setLevel(old_db_level)


def request_lines(lines: Lines) -> list[dict]:
    return [line for line in lines.all() if line["logger"] == "ops.request"]


def test_a_well_formed_request_id_is_kept_and_echoed(lines, member_api, member, org):
    rid = "0b4f9a1e-5c43-4d3b-9a3e-4c1f2e7d8a90"
    response = member_api.get(f"{API}/tickets", HTTP_X_REQUEST_ID=rid)
    assert response.status_code == 200
    assert response["X-Request-ID"] == rid
    [line] = request_lines(lines)
    assert line["request_id"] == rid
    assert line["method"] == "GET"
    assert line["path"] == f"{API}/tickets"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["org_id"] == org.pk
    assert line["user_id"] == member.pk
    assert line["level"] == "INFO"
    assert line["time"].endswith("+00:00")


@pytest.mark.parametrize(
    "incoming", ["", "has space", "x" * 129, "semi;colon", "new\nline", "ünïcode"]
)
def test_a_malformed_request_id_is_replaced(client, lines, incoming):
    response = client.get("/health/live", HTTP_X_REQUEST_ID=incoming)
    rid = response["X-Request-ID"]
    assert rid != incoming
    assert 1 <= len(rid) <= 128
    assert rid.isalnum()
    assert request_lines(lines)[0]["request_id"] == rid


def test_each_request_gets_its_own_id(client):
    first = client.get("/health/live")["X-Request-ID"]
    second = client.get("/health/live")["X-Request-ID"]
    assert first != second


def test_the_task_logs_the_id_of_the_request_that_queued_it(
    lines, member_api, env_entitlement, django_capture_on_commit_callbacks, mailoutbox
):
    rid = "req-from-the-api.1"
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(
            f"{API}/tickets",
            {"title": "Help", "description": "d", "entitlement_id": env_entitlement.pk},
            format="json",
            HTTP_X_REQUEST_ID=rid,
        )
    assert response.status_code == 201
    assert len(mailoutbox) == 1
    task_lines = [line for line in lines.all() if line.get("task") == "tickets.tasks.notify"]
    assert task_lines, lines.text
    assert {line["request_id"] for line in task_lines} == {rid}
    assert any(line["message"] == "mail sent" for line in task_lines)
    assert Delivery.objects.get().request_id == rid


def test_no_secret_reaches_any_log_line(
    lines, member, org, env_entitlement, django_capture_on_commit_callbacks, mailoutbox
):
    password = "S3cret-Passw0rd-Xyz!"
    member.set_password(password)
    member.save()
    anon = APIClient()
    login = anon.post(
        f"{API}/auth/login",
        {"email": member.email, "password": password, "organization_id": org.pk},
        format="json",
    )
    assert login.status_code == 200
    tokens = login.json()["data"]
    wrong = anon.post(
        f"{API}/auth/login", {"email": member.email, "password": password + "x"}, format="json"
    )
    assert wrong.status_code == 401
    refreshed = anon.post(
        f"{API}/auth/refresh", {"refresh_token": tokens["refresh_token"]}, format="json"
    )
    assert refreshed.status_code == 200
    api = client_for(member, org)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            f"{API}/tickets",
            {"title": "Secrets", "description": "d", "entitlement_id": env_entitlement.pk},
            format="json",
        )
    assert created.status_code == 201
    ticket = created.json()["data"]
    address = reply_address(ticket["id"], ticket["number"])
    thread = root_message_id(ticket["id"], ticket["number"])
    assert mailoutbox[0].reply_to == [address]
    bearer = api._credentials["HTTP_AUTHORIZATION"]
    # Careless calls a developer might write: the formatter must still redact them.
    log = logging.getLogger("tests.careless")
    log.info("login attempt %s", {"email": member.email, "password": password})
    log.info("headers: Authorization: %s", bearer)
    log.warning("reply to %s in thread %s", address, thread)
    log.info("body %s", json.dumps({"refresh_token": tokens["refresh_token"]}))
    log.info("request", extra={"authorization": bearer, "password": password})
    try:
        raise ValueError(f"token={tokens['access_token']}")
    except ValueError:
        log.exception("failed with %s", tokens["refresh_token"])

    text = lines.text
    assert len(lines.all()) > 10
    secrets = {
        "password": password,
        "access token": tokens["access_token"],
        "refresh token": tokens["refresh_token"],
        "new refresh token": refreshed.json()["data"]["refresh_token"],
        "bearer header": bearer.split()[1],
        "reply address": address,
        "reply token": address.partition("@")[0].rpartition(".")[2],
    }
    for name, secret in secrets.items():
        assert secret not in text, name
    assert "[redacted]" in text
    assert member.email in text  # redaction is targeted: the rest of the line stays


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ('{"password": "hunter22"}', '{"password": "[redacted]"}'),
        ("password=hunter22&next=/", "password=[redacted]&next=/"),
        ("Authorization: Bearer abcdefghijkl", "Authorization: [redacted]"),
        ("X-Api-Key: k-123456", "X-Api-Key: [redacted]"),
        (
            "desk+SR-20260042.k3m9x2q7ta@middag.example",
            "desk+SR-20260042.[redacted]@middag.example",
        ),
        ("<SR-20260042.k3m9x2q7ta@middag.example>", "<SR-20260042.[redacted]@middag.example>"),
        ("author_id=5 status=open", "author_id=5 status=open"),
    ],
)
def test_redact(raw, kept):
    assert redact(raw) == kept


@pytest.mark.parametrize("header", ["²", "١٢", "-1", "9" * 30, "abc"])
def test_an_odd_organization_header_is_logged_without_an_organization(client, lines, header):
    response = client.get("/health/live", HTTP_X_MIDDAG_ORGANIZATION=header)
    assert response.status_code == 200
    assert "org_id" not in request_lines(lines)[0]
