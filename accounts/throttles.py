"""Throttles for sign-in and register: per client IP and per account, counted in the shared cache.

The API's views name them in `throttle_classes`; a door outside DRF (the admin's login form,
accounts.signin) counts its attempts in the same buckets through `sign_in_wait`, so five tries at
the API and one at the admin are six tries.
"""

import hashlib
import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.signin import account_key

logger = logging.getLogger(__name__)


class _AuthThrottle(SimpleRateThrottle):
    def get_rate(self) -> str:
        return settings.API_THROTTLE_AUTH  # read at request time, so settings overrides apply

    def allow_request(self, request, view) -> bool:
        # Outside the guard below: reading the key may parse the body, and a malformed (422),
        # unsupported (415) or oversized (413) body is the client's error. Swallowed here, it
        # would leave DRF an emptied request.data and the client a misleading answer.
        self.get_cache_key(request, view)
        try:
            return super().allow_request(request, view)
        except Exception:  # a cache outage must not take login down; throttling degrades
            logger.warning("Throttle cache unavailable; request allowed", exc_info=True)
            return True


class AuthIPThrottle(_AuthThrottle):
    """Per client address; X-Forwarded-For counts only behind NUM_PROXIES trusted proxies."""

    scope = "auth_ip"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthEmailThrottle(_AuthThrottle):
    """Per account, whatever the address: slows a password guesser spread over many IPs. The
    account is the e-mail's key as the lookup reads it (accounts.signin.account_key)."""

    scope = "auth_email"

    def __init__(self, email: str | None = None) -> None:
        super().__init__()
        self.email = email  # a door outside DRF names it; the API's body names it otherwise

    def get_cache_key(self, request, view) -> str | None:
        email = self.email
        if email is None and hasattr(request, "data"):
            email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not account_key(email):
            return None
        # Hashed: a client-chosen string never becomes a raw cache key (length, control characters).
        ident = hashlib.sha256(account_key(email).encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


def sign_in_wait(request, email: str | None) -> float | None:
    """Count one sign-in attempt made outside DRF (a Django request) in the API's buckets: None
    when allowed, else the seconds to wait. Like DRF, every throttle sees every attempt."""
    throttles = [AuthIPThrottle(), AuthEmailThrottle(email)]
    waits = [t.wait() or 0.0 for t in throttles if not t.allow_request(request, None)]
    return max(waits) if waits else None
