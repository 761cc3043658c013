"""`Idempotency-Key` on POST: a retry gets the first answer back and creates nothing.

The semantics (also in the README):

- Scope: the key belongs to the authenticated user (anonymous requests: the header is ignored);
  1 to 255 visible ASCII characters, e.g. a UUID. It is bound to the first request's method,
  path, organization header and body.
- The first request that succeeds (2xx) with a key stores its status and body in the same
  transaction as the rows it created. A retry with the same key and the same request gets that
  status and body again, with `Idempotent-Replayed: true`, and the view does not run.
- The same key with a different request (method, path, organization or body) is a 422
  (`errors.reason` IDEMPOTENCY_KEY_REUSED).
- Two requests with one key at the same time: the key row is inserted first thing in the
  request's transaction, so the second request waits on the first's unique-index lock and
  then replays its answer. A request that fails rolls back, its key with it: errors are not
  remembered, and a retry runs again.
- Retention: IDEMPOTENCY_KEY_TTL seconds (default 24 h); after that the key may be used anew.
  `manage.py purge_idempotency_keys` deletes expired rows.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import IdempotencyKey
from config.errors import Conflict, Invalid

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


class _Replay(Exception):
    """Carries the stored answer from `initial()` to `handle_exception()`."""

    def __init__(self, response: Response) -> None:
        super().__init__("replay")
        self.response = response


def ttl() -> timedelta:
    return timedelta(seconds=getattr(settings, "IDEMPOTENCY_KEY_TTL", 24 * 3600))


def _canonical(data: Any) -> Any:
    if isinstance(data, QueryDict):
        return {key: data.getlist(key) for key in sorted(data)}
    if hasattr(data, "name") and hasattr(data, "size"):  # an uploaded file
        return {"file": data.name, "size": data.size}
    if isinstance(data, dict):
        return {str(key): _canonical(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_canonical(value) for value in data]
    return data


def fingerprint(request: Request) -> str:
    """What a retry must repeat: method, path (either spelling), organization header, body."""
    payload = {
        "method": request.method,
        "path": request.path.rstrip("/"),
        "org": request.headers.get("X-Middag-Organization", ""),
        "data": _canonical(request.data),
    }
    text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def replay_response(record: IdempotencyKey) -> Response:
    stored = record.response or {}
    response = Response(stored.get("data"), status=record.status_code)
    response.envelope_message = stored.get("message")
    response.enveloped = bool(stored.get("enveloped"))
    response[REPLAYED_HEADER] = "true"
    return response


def claim(request: Request, *, _attempts: int = 3) -> IdempotencyKey | None:
    """The key row of this request (inserted now), or _Replay / 422 when the key was used."""
    key = request.headers.get(HEADER)
    user = request.user
    if key is None or not (user and user.is_authenticated):
        return None
    if not _KEY.fullmatch(key):
        raise Invalid(
            f"{HEADER} must be 1 to 255 visible ASCII characters (e.g. a UUID).", field=HEADER
        )
    digest = fingerprint(request)  # parses the body: a malformed one is the client's 422
    IdempotencyKey.objects.filter(
        user=user, key=key, created_at__lt=timezone.now() - ttl()
    ).delete()
    try:
        with transaction.atomic():  # a savepoint: a duplicate key leaves the request usable
            return IdempotencyKey.objects.create(
                user=user,
                key=key,
                method=request.method,
                path=request.path[:500],
                fingerprint=digest,
            )
    except IntegrityError:
        # Another request holds (or held) this key; the insert waited for it to commit.
        pass
    record = IdempotencyKey.objects.filter(user=user, key=key).first()
    if record is None and _attempts > 1:  # the other request rolled back meanwhile: retry
        return claim(request, _attempts=_attempts - 1)
    if record is None:
        raise Conflict("Another request with this Idempotency-Key is in progress; retry.")
    if record.fingerprint != digest:
        raise Invalid(
            f"This {HEADER} was already used for a different request; use a new key.",
            field=HEADER,
            reason="IDEMPOTENCY_KEY_REUSED",
        )
    if record.status_code is None:  # never committed without its answer; be safe anyway
        raise Conflict("Another request with this Idempotency-Key is in progress; retry.")
    raise _Replay(replay_response(record))


def remember(record: IdempotencyKey, response: Response) -> None:
    """Store a 2xx answer with its key; any other answer frees the key (nothing was done)."""
    if transaction.get_rollback():
        return  # the request's transaction rolls back, taking the key row with it
    if 200 <= response.status_code < 300:
        record.status_code = response.status_code
        record.response = {
            "data": response.data,
            "message": getattr(response, "envelope_message", None),
            "enveloped": bool(getattr(response, "enveloped", False)),
        }
        record.save(update_fields=["status_code", "response"])
    else:
        record.delete()


class IdempotentMixin:
    """For DRF views: honour `Idempotency-Key` on POST (see the module docstring)."""

    idempotent_methods: tuple[str, ...] = ("POST",)
    _idempotency: IdempotencyKey | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles
        self._idempotency = None
        if request.method in self.idempotent_methods:
            self._idempotency = claim(request)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        if self._idempotency is not None:
            record, self._idempotency = self._idempotency, None
            remember(record, response)
        return super().finalize_response(request, response, *args, **kwargs)
