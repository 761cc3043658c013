"""The request id, user and organization a log line belongs to, for the request or task at hand.

The request middleware sets them for a request, Celery's signals for a task (from the id of the
request that queued it), so every line logged meanwhile carries them (ops.logging).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

# 1 to 128 letters, digits, dots, underscores or dashes: a UUID qualifies, a log injection does not.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")

_context: ContextVar[dict[str, Any] | None] = ContextVar("ops_log_context", default=None)


def valid_request_id(value: str | None) -> str:
    """The incoming id if well-formed, else a new one (a UUID without dashes)."""
    if value and REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


@contextmanager
def log_context(**values: Any) -> Iterator[dict[str, Any]]:
    """Fields every log line inside the block carries (request_id, user_id, org_id, task...)."""
    token = _context.set({**(_context.get() or {}), **values})
    try:
        yield _context.get() or {}
    finally:
        _context.reset(token)


def enter(**values: Any) -> Token[dict[str, Any] | None]:
    """Add fields until leave(token) (for a task: from its prerun to its postrun signal)."""
    return _context.set({**(_context.get() or {}), **values})


def leave(token: Token[dict[str, Any] | None]) -> None:
    """Back to the fields before the matching enter()."""
    _context.reset(token)


def current() -> dict[str, Any]:
    """The fields of the request or task at hand (empty outside both)."""
    return _context.get() or {}


def request_id() -> str:
    """The id of the request (or of the request that queued the task) at hand, or ''."""
    return str(current().get("request_id") or "")
