"""Log lines as one JSON object each (production) or as readable text (development), with the
request id, user and organization of the request or task at hand, and never a secret.

Every formatter redacts: passwords, tokens (bearer, JWT), Authorization values, API keys and the
secret part of a reply address (the `+tag` of `desk+SR-20260042.k3j9@…`) never reach a log line,
whatever a caller passed in the message, its arguments, its extras or a traceback.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from ops.context import current

# Names whose values are secrets (not a secret itself).
_SECRET_KEYS = r"(?:password|passwd|pwd|secret|token|api[_-]?key|authorization|signature)"  # noqa: S105
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # key=value, key: value, "key": "value" (JSON, form bodies, query strings, dict reprs)
    (
        re.compile(
            rf"(?i)(\b[\w-]*{_SECRET_KEYS}[\w-]*[\"']?\s*[:=]\s*[\"']?)"
            rf"(?:(?:bearer|basic|token)\s+)?(?!\[redacted)([^\"'\s,&;}}\]]+)"
        ),
        r"\1[redacted]",
    ),
    (re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 [redacted]"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), "[redacted-jwt]"),
    # A request's thread id and reply address carry its HMAC (tickets.reply_addresses): SR-20260042.<hmac>@
    (re.compile(r"\b([A-Za-z]+-\d+)\.[A-Za-z0-9]{6,}@"), r"\1.[redacted]@"),
    # The tag of a sub-address is a reply address's secret: keep the mailbox, drop the tag.
    (re.compile(r"([A-Za-z0-9._%-]+)\+[A-Za-z0-9._=%-]+@"), r"\1+[redacted]@"),
]
_SECRET_NAME = re.compile(rf"(?i){_SECRET_KEYS}")

# Attributes every LogRecord has; anything else was passed as `extra=` and is logged as a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def redact(text: str) -> str:
    """The text with every secret the patterns know replaced by [redacted]."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _clean(key: str, value: Any) -> Any:
    if _SECRET_NAME.search(key):
        return "[redacted]"
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """The record's context (request id, user, organization) and extras, redacted."""
    found: dict[str, Any] = {k: v for k, v in current().items() if v not in (None, "")}
    for key, value in vars(record).items():
        if key not in _STANDARD and not key.startswith("_"):
            found[key] = value
    return {key: _clean(key, value) for key, value in found.items()}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        doc.update(fields(record))
        if record.exc_info:
            doc["exception"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            doc["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(doc, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Readable development lines, redacted the same way, with the context as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(f"{k}={v}" for k, v in fields(record).items())
        line = (
            f"{datetime.fromtimestamp(record.created, UTC):%H:%M:%S} {record.levelname} "
            f"{record.name}: {redact(record.getMessage())}"
        )
        if extra:
            line += f" [{extra}]"
        if record.exc_info:
            line += "\n" + redact(self.formatException(record.exc_info))
        return line
