"""The API's login asks enrolled accounts for their code too (issue 13, item 10): a stolen
password alone opens neither door; everyone else logs in as before."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from tests.accounts.mfa_helpers import code, enrol
from tests.conftest import API
from tests.factories import PASSWORD, StaffFactory

LOGIN = f"{API}/auth/login"


def login(email: str, password: str = PASSWORD, ip: str = "127.0.0.1", **extra):
    client = APIClient(REMOTE_ADDR=ip)
    return client.post(LOGIN, {"email": email, "password": password, **extra}, format="json")


def wrong_code(key: str) -> str:
    return f"{(int(code(key)) + 1) % 1_000_000:06d}"


@pytest.fixture
def enrolled(db):
    return enrol(email="op@middag.example")


def test_not_enrolled_logs_in_as_before(db):
    staff = StaffFactory()
    assert login(staff.email).status_code == 200
    assert login(staff.email, otp="").status_code == 200
    assert login(staff.email, otp="123456").status_code == 200  # nothing to check it against


def test_enrolled_without_a_code_is_a_clear_401(enrolled):
    response = login(enrolled.user.email)
    assert response.status_code == 401
    body = response.json()
    assert body["success"] is False
    assert body["data"] is None  # no token
    assert body["errors"]["code"] == "AUTHENTICATION_ERROR"
    assert body["errors"]["reason"] == "MIDDAG-ACC-OTP_REQUIRED"
    assert "otp" in body["errors"]["detail"]
    assert login(enrolled.user.email, otp="").json()["errors"]["reason"] == (
        "MIDDAG-ACC-OTP_REQUIRED"
    )


def test_enrolled_with_a_wrong_code_is_a_401(enrolled):
    response = login(enrolled.user.email, otp=wrong_code(enrolled.key))
    assert response.status_code == 401
    assert response.json()["errors"]["reason"] == "MIDDAG-ACC-OTP_INVALID"
    assert response.json()["data"] is None
    # django-otp's own back-off is kept, though the answer is an error (the 401 rolls nothing back)
    assert TOTPDevice.objects.get(user=enrolled.user).throttling_failure_count == 1


def test_a_wrong_password_says_nothing_about_two_factor(enrolled):
    response = login(enrolled.user.email, "not-the-password", otp=code(enrolled.key))
    assert response.status_code == 401
    assert response.json()["errors"] == {
        "code": "AUTHENTICATION_ERROR",
        "detail": "Invalid email or password.",
    }


def test_enrolled_with_the_code_gets_tokens(enrolled):
    response = login(enrolled.user.email, otp=code(enrolled.key))
    assert response.status_code == 200, response.content
    assert response.json()["data"]["access_token"]
    assert response.json()["data"]["user"]["id"] == enrolled.user.pk


def test_the_same_code_twice_is_refused(enrolled):
    now = code(enrolled.key)
    assert login(enrolled.user.email, otp=now).status_code == 200
    assert login(enrolled.user.email, otp=now).json()["errors"]["reason"] == (
        "MIDDAG-ACC-OTP_INVALID"
    )


def test_a_recovery_code_logs_in_once(enrolled):
    recovery = enrolled.recovery_codes[3]
    assert login(enrolled.user.email, otp=recovery).status_code == 200
    assert StaticToken.objects.filter(device__user=enrolled.user).count() == 9
    response = login(enrolled.user.email, otp=recovery)
    assert response.status_code == 401
    assert response.json()["errors"]["reason"] == "MIDDAG-ACC-OTP_INVALID"


def test_wrong_codes_count_for_the_login_throttle(enrolled, settings):
    settings.API_THROTTLE_AUTH = "5/min"
    for n in range(5):  # five addresses: the account's bucket fills
        response = login(enrolled.user.email, otp=wrong_code(enrolled.key), ip=f"10.0.0.{n + 1}")
        assert response.status_code == 401
    response = login(enrolled.user.email, otp=code(enrolled.key), ip="10.0.1.1")
    assert response.status_code == 429
    assert response.json()["errors"]["code"] == "RATE_LIMIT"


def test_the_schema_documents_otp(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    body = schema["paths"]["/wp-json/middag-account/v1/auth/login"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    login_input = schema["components"]["schemas"][ref]
    assert login_input["properties"]["otp"]["type"] == "string"
    assert "otp" not in login_input.get("required", [])
    assert "MIDDAG-ACC-OTP_REQUIRED" in login_input["properties"]["otp"]["description"]
