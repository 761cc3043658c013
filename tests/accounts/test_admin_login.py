"""The admin's login is limited like the API's (issue 13, problem 15 and item 10): per address and
per account, in the same cache buckets (so every worker agrees and the doors add up), with one
answer for an unknown e-mail and a wrong password, and one for a refused attempt whoever it
names. The second step's codes count in the same buckets."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.accounts.mfa_helpers import code, enrol
from tests.conftest import API
from tests.factories import PASSWORD, StaffFactory, UserFactory

ADMIN_LOGIN = "/admin/login/"
WRONG = "not-the-password"


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
