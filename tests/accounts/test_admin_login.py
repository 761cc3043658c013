"""The admin's login is limited like the API's (issue 13, problem 15 and item 10): per address and
per account, in the same cache buckets (so every worker agrees and the doors add up), with one
answer for an unknown e-mail and a wrong password, and one for a refused attempt whoever it
names. The second step's codes count in the same buckets."""

from __future__ import annotations

import json
import os
import re
import uuid

import pytest
from django.db import connection
from django.test import Client

from tests.accounts.mfa_helpers import code, enrol
from tests.conftest import API
from tests.factories import PASSWORD, StaffFactory, UserFactory
from tests.helpers import run_python

ADMIN_LOGIN = "/admin/login/"
WRONG = "not-the-password"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture(autouse=True)
def _api_rate(settings):
    settings.API_THROTTLE_AUTH = "5/min"


def attempt(email: str, password: str, ip: str = "127.0.0.1"):
    client = Client(REMOTE_ADDR=ip)
    response = client.post(
        ADMIN_LOGIN, {"username": email, "password": password, "next": "/admin/"}
    )
    return client, response


def errors(response) -> list[str]:
    """What the page tells the person, digits (a countdown) blanked."""
    return [re.sub(r"\d+", "N", e) for e in response.context["form"].non_field_errors()]


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_unknown_email_and_wrong_password_get_the_same_answer(db):
    StaffFactory(email="op@middag.example")
    _, unknown = attempt("nobody@middag.example", PASSWORD, ip="10.0.0.1")
    _, wrong = attempt("op@middag.example", WRONG, ip="10.0.0.2")
    _, client_account = attempt(UserFactory().email, PASSWORD, ip="10.0.0.3")  # right, not staff
    assert unknown.status_code == wrong.status_code == client_account.status_code == 200
    assert errors(unknown) == errors(wrong) == errors(client_account)
    assert "correct email" in errors(wrong)[0]


def test_five_attempts_per_address(db):
    staff = StaffFactory()
    for n in range(5):  # five accounts, one address
        _, response = attempt(f"someone{n}@example.com", WRONG, ip="10.0.0.9")
        assert "Too many" not in str(errors(response))
    client, response = attempt(staff.email, PASSWORD, ip="10.0.0.9")  # even the right password
    assert errors(response) == ["Too many sign-in attempts. Try again in N seconds."]
    assert not signed_in(client)
    other_client, _ = attempt(staff.email, PASSWORD, ip="10.0.0.10")  # another address is fine
    assert signed_in(other_client)


def test_five_attempts_per_account(db):
    staff = StaffFactory()
    for n in range(5):  # one account, five addresses
        attempt(staff.email, WRONG, ip=f"10.0.1.{n + 1}")
    client, response = attempt(staff.email, PASSWORD, ip="10.0.2.1")
    assert errors(response) == ["Too many sign-in attempts. Try again in N seconds."]
    assert not signed_in(client)


def test_a_refused_attempt_looks_the_same_for_an_unknown_account(db):
    staff = StaffFactory()
    for email in (staff.email, "nobody@middag.example"):
        for n in range(5):
            attempt(email, WRONG, ip=f"10.0.3.{n + 1}")
    _, known = attempt(staff.email, WRONG, ip="10.0.4.1")
    _, unknown = attempt("nobody@middag.example", WRONG, ip="10.0.4.2")
    assert (
        errors(known) == errors(unknown) == ["Too many sign-in attempts. Try again in N seconds."]
    )
    assert known.status_code == unknown.status_code == 200


def test_wrong_codes_after_the_password_count_like_wrong_passwords(db, settings):
    """The second step is limited too: a stolen password does not buy unlimited code guesses."""
    enrolled = enrol()
    client, _ = attempt(enrolled.user.email, PASSWORD, ip="10.0.5.1")  # 1 attempt
    wrong = f"{(int(code(enrolled.key)) + 1) % 1_000_000:06d}"
    for _ in range(4):  # 2..5
        assert client.post("/admin/mfa/verify/", {"code": wrong}).status_code == 200
    response = client.post("/admin/mfa/verify/", {"code": code(enrolled.key)})
    assert response.status_code == 200
    assert b"Too many sign-in attempts" in response.content
    assert client.get("/admin/").status_code == 302  # still not in
    # ... and the API counts them in the same account bucket.
    api = Client(REMOTE_ADDR="10.0.6.1").post(
        f"{API}/auth/login",
        {"email": enrolled.user.email, "password": PASSWORD, "otp": code(enrolled.key)},
        content_type="application/json",
    )
    assert api.status_code == 429


# --- several workers agree: the counts live in the shared cache (Redis) ----------------------

_ADMIN_ATTEMPTS = """
import json, sys
import django
django.setup()
from django.test import Client

door, ip, email, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
client = Client(REMOTE_ADDR=ip)
out = []
for _ in range(count):
    if door == "admin":
        r = client.post("/admin/login/", {"username": email, "password": "wrong-password"})
        out.append("throttled" if b"Too many sign-in attempts" in r.content else r.status_code)
    else:
        body = {"email": email, "password": "wrong-password"}
        out.append(client.post(door, body, content_type="application/json").status_code)
print(json.dumps(out))
"""


def _worker(door: str, ip: str, email: str, count: int) -> list:
    """Another process, as another gunicorn worker would be, sharing only Redis and the database."""
    params = connection.settings_dict
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "CACHE_URL": REDIS_URL,
        "API_THROTTLE_AUTH": "5/min",
        "DATABASE_URL": (
            f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:"
            f"{params['PORT'] or 5432}/{params['NAME']}"
        ),
    }
    result = run_python("-c", _ADMIN_ATTEMPTS, door, ip, email, str(count), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.postgres
@pytest.mark.django_db
def test_admin_limits_are_shared_between_processes_and_with_the_api():
    ip, email = (
        f"10.77.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}",
        f"{uuid.uuid4().hex}@x.example",
    )
    assert _worker("admin", ip, email, 5) == [200] * 5
    # Another process, the same address: refused; and at the API too.
    assert _worker("admin", ip, f"{uuid.uuid4().hex}@x.example", 1) == ["throttled"]
    assert _worker(f"{API}/auth/login", ip, f"{uuid.uuid4().hex}@x.example", 1) == [429]
    # Another process, another address, the same account: refused.
    assert _worker("admin", "10.78.0.1", email, 1) == ["throttled"]
