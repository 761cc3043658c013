"""Throttles for login and register: per client IP and per email, counted in the shared cache."""

import hashlib
import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

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
    """Per email, whatever the address: slows a password guesser spread over many IPs."""

    scope = "auth_email"

    def get_cache_key(self, request, view) -> str | None:
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email.strip():
            return None
        # Hashed: a client-chosen string never becomes a raw cache key (length, control characters).
        ident = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
