"""What one request has already worked out, kept until its answer is sent and forgotten after.

The tenancy resolver (accounts.tenancy) keeps the memberships it read here, so an action that
checks the same user and organization again in the same request reads no row twice. Outside a
request (tests calling actions, commands, workers) nothing is kept and every check reads anew.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

_memo: ContextVar[dict[Any, Any] | None] = ContextVar("request_memo", default=None)


@contextmanager
def request_scope() -> Iterator[None]:
    """Keep what is remembered inside the block, and only there."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memo() -> dict[Any, Any] | None:
    """This request's memo, or None outside a request."""
    return _memo.get()


class RequestScopeMiddleware:
    """Every request (API, admin, portal) runs in its own request_scope()."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_scope():
            return self.get_response(request)
