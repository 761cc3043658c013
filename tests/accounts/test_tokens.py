"""Forged, expired, tampered and misused tokens are 401; a refresh token is spent exactly once."""

import base64
import hashlib
import hmac
import json
import threading
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tokens import issue_pair
from tests.accounts.conftest import bearer, decode
from tests.conftest import API, assert_envelope

pytestmark = pytest.mark.django_db


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict, claims: dict, signature: bytes = b"") -> str:
    head = b64(json.dumps(header).encode())
    body = b64(json.dumps(claims).encode())
    return f"{head}.{body}.{b64(signature)}"


def valid_claims(user) -> dict:
    return decode(issue_pair(user)["access_token"])


def assert_401(response) -> None:
    assert response.status_code == 401, response.content
    body = response.json()
    assert_envelope(body, success=False)
    assert body["errors"]["code"] == "AUTHENTICATION_ERROR"
    assert "Traceback" not in response.content.decode()


def test_valid_token_is_accepted(member):
    assert bearer(issue_pair(member)["access_token"]).get(f"{API}/auth/me").status_code == 200


def test_alg_none_is_401(member):
    token = forge({"alg": "none", "typ": "JWT"}, valid_claims(member))
    assert_401(bearer(token).get(f"{API}/auth/me"))
    unsigned = token.rsplit(".", 1)[0] + "."
    assert_401(bearer(unsigned).get(f"{API}/auth/me"))


def test_hs256_signed_with_the_public_key_is_401(member):
    """The classic algorithm-confusion attack: the public key used as an HMAC secret."""
    public = settings.SIMPLE_JWT["VERIFYING_KEY"].encode()
    header = {"alg": "HS256", "typ": "JWT"}
    claims = valid_claims(member)
    signing_input = forge(header, claims).rsplit(".", 1)[0]
    signature = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{b64(signature)}"
    assert_401(bearer(token).get(f"{API}/auth/me"))


def test_hs256_signed_with_the_secret_key_is_401(member):
    token = jwt.encode(valid_claims(member), settings.SECRET_KEY, algorithm="HS256")
    assert_401(bearer(token).get(f"{API}/auth/me"))


def test_token_signed_by_another_rsa_key_is_401(member):
    from cryptography.hazmat.primitives.asymmetric import rsa

    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(valid_claims(member), other_key, algorithm="RS256")
    assert_401(bearer(token).get(f"{API}/auth/me"))


def test_expired_token_is_401(member):
    token = AccessToken.for_user(member)
    token.set_exp(from_time=timezone.now() - timedelta(hours=2), lifetime=timedelta(hours=1))
    assert_401(bearer(str(token)).get(f"{API}/auth/me"))


def test_tampered_payload_is_401(member, staff):
    token = issue_pair(member)["access_token"]
    head, _, signature = token.split(".")
    claims = decode(token)
    claims["sub"] = str(staff.pk)  # try to become someone else, keeping the signature
    tampered = f"{head}.{b64(json.dumps(claims).encode())}.{signature}"
    assert_401(bearer(tampered).get(f"{API}/auth/me"))


def test_tampered_signature_is_401(member):
    token = issue_pair(member)["access_token"]
    flipped = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert_401(bearer(flipped).get(f"{API}/auth/me"))


def test_refresh_token_used_as_access_is_401(member):
    refresh = issue_pair(member)["refresh_token"]
    assert_401(bearer(refresh).get(f"{API}/auth/me"))


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer a b", "Basic dXNlcjpwYXNz", "Bearer not-a-jwt", "Token abc.def.ghi"],
)
def test_malformed_authorization_header_is_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_401(client.get(f"{API}/auth/me"))


def test_token_without_subject_is_401(member):
    claims = valid_claims(member)
    del claims["sub"]
    token = jwt.encode(claims, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="RS256")
    assert_401(bearer(token).get(f"{API}/auth/me"))


def test_access_token_with_huge_payload_is_401_not_500():
    assert_401(bearer("a" * 10_000 + ".b.c").get(f"{API}/auth/me"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_refresh_of_one_token_succeeds_exactly_once(member):
    """Four threads spend one refresh token at once: one new pair, three 401s, one blacklist row."""
    refresh = issue_pair(member)["refresh_token"]
    jti = jwt.decode(refresh, options={"verify_signature": False})["jti"]
    threads_count = 4
    barrier = threading.Barrier(threads_count)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def spend() -> None:
        try:
            client = APIClient()
            barrier.wait(timeout=10)
            response = client.post(f"{API}/auth/refresh", {"refresh_token": refresh}, format="json")
            with lock:
                results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=spend) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 401, 401, 401], results
    for status, body in results:
        if status == 401:
            assert body["errors"]["code"] == "AUTHENTICATION_ERROR"
    assert BlacklistedToken.objects.filter(token__jti=jti).count() == 1
    # One pair was issued from the login's token: two outstanding refresh tokens in all.
    assert OutstandingToken.objects.filter(user=member).count() == 2
