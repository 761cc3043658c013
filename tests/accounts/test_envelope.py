"""Every kind of answer has the five keys of the envelope and the SPEC's error code (SPEC §1)."""

import pytest

from tests.conftest import API, assert_envelope, client_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

REDIRECTS = {301, 302, 307, 308}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert_envelope(body, success=False)
    assert body["errors"]["code"] == code
    assert body["message"]
    assert isinstance(body["errors"]["detail"], str)
    assert body["errors"]["detail"]
    return body


def test_success_single_object(member_api):
    body = member_api.get(f"{API}/auth/me").json()
    assert_envelope(body, success=True)
    assert body["meta"] is None
    assert body["errors"] is None


def test_401_no_token(anon):
    response = anon.get(f"{API}/organizations")
    assert_error(response, 401, "AUTHENTICATION_ERROR")
    assert "WWW-Authenticate" in response


def test_403_not_allowed(org, admin_user, owner):
    response = client_for(admin_user).delete(f"{API}/organizations/{org.pk}")
    assert_error(response, 403, "AUTHORIZATION_ERROR")


def test_404_object(owner_api):
    assert_error(owner_api.get(f"{API}/organizations/424242"), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/no-such-thing",
        f"{API}/organizations/1/nope",
        f"{API}/auth/me/extra",
        "/wp-json/",
        "/no/such/route",
    ],
)
def test_404_unknown_route_is_json(anon, path):
    assert_error(anon.get(path), 404, "NOT_FOUND")
    assert_error(anon.post(path, {}, format="json"), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/auth/login"),
        ("put", "/auth/register"),
        ("delete", "/auth/me"),
        ("delete", "/organizations"),
        ("put", "/organizations"),
    ],
)
def test_405_wrong_method_is_json(member_api, method, path):
    response = getattr(member_api, method)(f"{API}{path}")
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert "Allow" in response


def test_405_on_collaborators(owner_api, org):
    response = owner_api.put(f"{API}/organizations/{org.pk}/collaborators", {}, format="json")
    assert_error(response, 405, "METHOD_NOT_ALLOWED")


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register", "/auth/refresh"])
@pytest.mark.parametrize("body", ['{"email": ', "not json at all", "{'single': 'quotes'}", "\x00"])
def test_malformed_json_is_422(anon, path, body):
    response = anon.post(f"{API}{path}", body, content_type="application/json")
    payload = assert_error(response, 422, "VALIDATION_ERROR")
    # The body's own fault, not a "field is required" that hides what went wrong.
    assert "fields" not in payload["errors"], payload
    assert "malformed" in payload["errors"]["detail"].lower()


def test_malformed_json_on_an_authenticated_endpoint_is_422(owner_api, org):
    response = owner_api.post(
        f"{API}/organizations", '{"name": "x"', content_type="application/json"
    )
    assert_error(response, 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register", "/auth/refresh"])
def test_unsupported_media_type_is_415(anon, path):
    response = anon.post(f"{API}{path}", {"email": "a@example.com", "password": "x"})  # form
    assert_error(response, 415, "VALIDATION_ERROR")


def test_json_that_is_not_an_object_is_422(anon):
    response = anon.post(f"{API}/auth/login", [1, 2], format="json")
    assert_error(response, 422, "VALIDATION_ERROR")


def test_validation_error_lists_fields(anon):
    response = anon.post(
        f"{API}/auth/register", {"email": "not-an-email", "password": ""}, format="json"
    )
    body = assert_error(response, 422, "VALIDATION_ERROR")
    fields = body["errors"]["fields"]
    assert set(fields) == {"email", "password"}
    assert all(isinstance(messages, list) and messages for messages in fields.values())
    assert all(isinstance(m, str) for messages in fields.values() for m in messages)


def test_409_carries_a_reason(anon, member):
    response = anon.post(
        f"{API}/auth/register",
        {"email": member.email, "password": "a-long-unusual-pass-42"},
        format="json",
    )
    body = assert_error(response, 409, "CONFLICT")
    assert body["errors"]["reason"] == "MIDDAG-ACC-EMAIL_TAKEN"


# --- 429 ----------------------------------------------------------------------------------


def login_attempt(client, email: str, **extra):
    return client.post(
        f"{API}/auth/login", {"email": email, "password": "wrong-password"}, format="json", **extra
    )


def test_login_is_throttled_per_ip_with_retry_after(settings, anon, member):
    settings.API_THROTTLE_AUTH = "3/min"
    for _ in range(3):
        assert login_attempt(anon, member.email).status_code == 401
    response = login_attempt(anon, member.email)
    body = assert_error(response, 429, "RATE_LIMIT")
    assert body["message"]
    assert 0 < int(response["Retry-After"]) <= 60
    # Even the right password is refused while throttled.
    right = anon.post(
        f"{API}/auth/login", {"email": member.email, "password": PASSWORD}, format="json"
    )
    assert right.status_code == 429


def test_login_is_throttled_per_email_across_ips(settings, anon, member):
    settings.API_THROTTLE_AUTH = "3/min"
    for n in range(3):
        login_attempt(anon, member.email, REMOTE_ADDR=f"10.0.0.{n + 1}")
    response = login_attempt(anon, member.email.upper(), REMOTE_ADDR="10.0.0.99")
    assert_error(response, 429, "RATE_LIMIT")
    # Another email from a fresh address is not affected.
    assert login_attempt(anon, "other@example.com", REMOTE_ADDR="10.0.1.1").status_code == 401


def test_a_forged_forwarded_for_header_does_not_dodge_the_ip_throttle(settings, anon):
    """Without a trusted proxy, X-Forwarded-For is the client's own claim and must be ignored."""
    settings.API_THROTTLE_AUTH = "3/min"
    for n in range(3):
        login_attempt(anon, f"victim{n}@example.com", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = login_attempt(anon, "victim9@example.com", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert_error(response, 429, "RATE_LIMIT")


def test_register_is_throttled(settings, anon):
    settings.API_THROTTLE_AUTH = "2/min"
    for n in range(2):
        anon.post(f"{API}/auth/register", {"email": f"r{n}@example.com"}, format="json")
    response = anon.post(f"{API}/auth/register", {"email": "r9@example.com"}, format="json")
    assert_error(response, 429, "RATE_LIMIT")
    assert "Retry-After" in response


# --- 500 ----------------------------------------------------------------------------------


@pytest.mark.urls("tests.accounts.urls")
def test_500_in_an_api_view_has_no_traceback(owner_api):
    owner_api.raise_request_exception = False
    response = owner_api.get(f"{API}/__test__/probe/crash")
    body = assert_error(response, 500, "INTERNAL_ERROR")
    text = response.content.decode()
    assert "Traceback" not in text
    assert "secret internals" not in text
    assert "RuntimeError" not in text
    assert body["errors"] == {"code": "INTERNAL_ERROR", "detail": "An unexpected error occurred."}


@pytest.mark.urls("tests.accounts.urls")
def test_500_outside_drf_is_the_json_envelope_too(anon):
    anon.raise_request_exception = False
    response = anon.get("/__test__/plain-crash")
    assert_error(response, 500, "INTERNAL_ERROR")
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


# --- trailing slashes ---------------------------------------------------------------------


def test_paths_with_and_without_trailing_slash(owner, org, member):
    from accounts.models import Membership

    client = client_for(owner)
    membership = Membership.objects.get(user=member)
    paths = [
        "/auth/me",
        "/organizations",
        f"/organizations/{org.pk}",
        f"/organizations/{org.pk}/collaborators",
    ]
    for path in paths:
        for spelled in (f"{API}{path}", f"{API}{path}/"):
            response = client.get(spelled)
            assert response.status_code == 200, (spelled, response.status_code)
    for spelled in (
        f"{API}/organizations/{org.pk}/collaborators/{membership.pk}",
        f"{API}/organizations/{org.pk}/collaborators/{membership.pk}/",
    ):
        response = client.patch(spelled, {"scopes": ["tickets"]}, format="json")
        assert response.status_code == 200, (spelled, response.status_code)


@pytest.mark.parametrize("path", ["/auth/login", "/auth/login/"])
def test_post_with_either_spelling_is_not_redirected(anon, member, path):
    response = anon.post(
        f"{API}{path}", {"email": member.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert response.status_code not in REDIRECTS


def test_413_oversized_body_is_the_envelope_and_not_a_cache_outage(settings, anon, caplog):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = '{"email": "' + "a" * 4096 + '@example.com", "password": "x"}'
    response = anon.post(f"{API}/auth/login", body, content_type="application/json")
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert "Throttle cache unavailable" not in caplog.text


@pytest.mark.urls("tests.accounts.urls")
def test_django_validation_error_from_an_action_is_422_with_fields(owner_api):
    response = owner_api.post(f"{API}/__test__/probe/model_invalid", {}, format="json")
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert "name" in body["errors"]["fields"]


@pytest.mark.urls("tests.accounts.urls")
def test_a_missing_row_escaping_an_action_is_404(owner_api):
    owner_api.raise_request_exception = False
    assert_error(owner_api.get(f"{API}/__test__/probe/missing_row"), 404, "NOT_FOUND")
