"""Helpers for the foundation's tests: logging in through the API and decoding tokens."""

from collections.abc import Callable

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import API
from tests.factories import PASSWORD


def decode(token: str) -> dict:
    """Verify a token with the public key, as a client or another service would."""
    return jwt.decode(token, settings.SIMPLE_JWT["VERIFYING_KEY"], algorithms=["RS256"])


def bearer(token: str, org_id: int | None = None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    if org_id is not None:
        client.defaults["HTTP_X_MIDDAG_ORGANIZATION"] = str(org_id)
    return client


@pytest.fixture
def login(anon) -> Callable[..., dict]:
    """POST /auth/login and return the envelope's data (asserting a 200)."""

    def _login(user: User, password: str = PASSWORD, **extra) -> dict:
        response = anon.post(
            f"{API}/auth/login", {"email": user.email, "password": password, **extra}, format="json"
        )
        assert response.status_code == 200, response.content
        return response.json()["data"]

    return _login
