"""One log line per request with its id, user, organization, method, path, status and duration.

An incoming `X-Request-ID` is kept when well-formed (ops.context), else replaced by a new one; the
id is returned in the response's `X-Request-ID` and carried by every line logged meanwhile, by
the tasks the request queues and by the lines those tasks log on the workers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from config.request_scope import memo
from ops.context import log_context, valid_request_id

logger = logging.getLogger("ops.request")


def _user_id(request: HttpRequest) -> int | None:
    """The authenticated user's id, without a query: only a user already resolved is read
    (DRF's authentication sets it, the session middleware's lazy user once something used it)."""
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None


def _org_id(request: HttpRequest, user_id: int | None) -> int | None:
    """The organization the request acted in: the live membership the tenancy resolver kept for
    this request, else the organization header staff named."""
    for key, membership in (memo() or {}).items():
        if (
            isinstance(key, tuple)
            and len(key) == 3
            and key[0] == "membership"
            and key[1] == user_id
            and membership is not None
        ):
            return int(key[2])
    header = request.headers.get("X-Middag-Organization", "")
    # Any text may come in a header: only plain ASCII digits are an id ("²".isdigit() is true).
    return int(header) if header.isascii() and header.isdigit() and len(header) < 19 else None


class RequestLogMiddleware:
    """Sits right inside RequestScopeMiddleware, so the request's memo is still there at the end."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = valid_request_id(request.headers.get("X-Request-ID"))
        request.request_id = rid  # type: ignore[attr-defined]
        started = time.perf_counter()
        with log_context(request_id=rid) as context:
            response = self.get_response(request)
            user_id = _user_id(request)
            context.update(user_id=user_id, org_id=_org_id(request, user_id))
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        response["X-Request-ID"] = rid
        return response
