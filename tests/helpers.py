"""Assertions and request helpers shared by several test modules (fixtures live in conftest.py)."""

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

from config.keys import _generate_pair
from tests.conftest import API, assert_envelope


def keys(text: str) -> frozenset[str]:
    """The names of an API contract (the keys of a body), written as one whitespace-separated
    string: compare `set(body)` with it, so a key added or removed in the code fails the test."""
    return frozenset(text.split())


def table(text: str) -> list[tuple[str, ...]]:
    """The rows of a table written as text, one row a line, columns separated by whitespace (blank
    lines skipped): lifecycle tables read as the SPEC writes them."""
    return [tuple(line.split()) for line in text.splitlines() if line.strip()]


def moves(text: str) -> dict[tuple[str, str], str]:
    """A lifecycle table written as text, one allowed move a line (`from transition to`):
    {(from, transition): to}, in the order written."""
    return {(source, name): target for source, name, target in table(text)}


# The management form of an admin page's read-only history inline: no rows posted.
NO_HISTORY_ROWS = {"history-TOTAL_FORMS": "0", "history-INITIAL_FORMS": "0"}


def the_only_item(response) -> dict:
    """The single item of a successful first list page (200, envelope, meta of one page of one)."""
    assert response.status_code == 200, response.content
    body = response.json()
    assert_envelope(body, success=True)
    assert body["meta"] == {"page": 1, "per_page": 20, "total": 1, "pages": 1}
    (item,) = body["data"]
    return item


def assert_changelist_search_and_filters(client, changelist: str, shown, hidden, filters):
    """An admin changelist lists `shown`, its search by entitlement code finds `shown` and not
    `hidden`, and every filter of `filters` answers 200. Returns the unfiltered page."""
    response = client.get(changelist)
    assert response.status_code == 200
    assert shown.name in response.text
    found = client.get(changelist, {"q": shown.entitlement.code})
    assert shown.name in found.text
    assert hidden.name not in found.text
    for params in filters:
        assert client.get(changelist, params).status_code == 200, params
    return response


def assert_error(response, status: int, code: str) -> dict:
    """A failure envelope with `status` and the error `code`; returns the body."""
    assert response.status_code == status, response.content
    body = response.json()
    assert_envelope(body, success=False)
    assert body["errors"]["code"] == code
    return body


def created_data(response, message: str) -> dict:
    """The data of a 201 answer: success envelope with `message`."""
    assert response.status_code == 201, response.content
    body = response.json()
    assert_envelope(body, success=True)
    assert body["message"] == message
    return body["data"]


def validation_error_fields(response) -> dict:
    """The `fields` of a 422 validation error in the failure envelope."""
    assert response.status_code == 422
    body = response.json()
    assert_envelope(body, success=False)
    assert body["errors"]["code"] == "VALIDATION_ERROR"
    return body["errors"]["fields"]


def add_collaborator(client, org, body: dict):
    """POST /organizations/{id}/collaborators."""
    return client.post(f"{API}/organizations/{org.pk}/collaborators", body, format="json")


def change_collaborator(client, org, membership, body: dict):
    """PATCH /organizations/{id}/collaborators/{membership_id}."""
    url = f"{API}/organizations/{org.pk}/collaborators/{membership.pk}"
    return client.patch(url, body, format="json")


# --- processes of their own ---------------------------------------------------------------


def subprocess_env(**extra: str) -> dict:
    """This process's environment without Django's, the database and the deploy settings, in
    development mode (DEBUG=1, as `make test` runs) unless `extra` says otherwise."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    for name in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "JWT_PRIVATE_KEY_PATH"):
        env.pop(name, None)
    env.pop("JWT_PUBLIC_KEY_PATH", None)
    env["DEBUG"] = "1"
    env.update(extra)
    return env


def production_env(tmp_path: Path, **extra: str) -> dict:
    """A production environment (DEBUG=0) with every secret it needs, keys in `tmp_path`."""
    private, public = tmp_path / "jwt_private.pem", tmp_path / "jwt_public.pem"
    _generate_pair(private, public)
    return subprocess_env(
        DEBUG="0",
        SECRET_KEY="Zs0x-9fQk2rT7wLm4vB8nH3jD6pY1cE5aU0iO-sG_RkJ" * 2,
        ALLOWED_HOSTS="desk.middag.example",
        JWT_PRIVATE_KEY_PATH=str(private),
        JWT_PUBLIC_KEY_PATH=str(public),
        DATABASE_URL="sqlite:///" + str(tmp_path / "db.sqlite3"),
        **extra,
    )


def run_python(*args: str, env: dict, timeout: int = 120) -> subprocess.CompletedProcess:
    """`python *args` in the project directory, as a process of its own with exactly `env`."""
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --- threads ----------------------------------------------------------------------------------


def race(n: int, work: Callable[[int], object]) -> list:
    """Run work(0..n-1) in n threads released together (each on a connection of its own, closed
    after); returns every result, in the order they finished."""
    barrier = threading.Barrier(n)
    results: list = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            result = work(i)
            with lock:
                results.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == n
    return results
