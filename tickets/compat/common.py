"""What both compatibility APIs share: auth, parsing, and errors in each API's own wire style.

They are adapters: they read and write the same Ticket rows through tickets.actions, so numbers,
the SLA clock, history and notifications behave the same whatever door a ticket came through.
"""

from __future__ import annotations

import math
from typing import Any

from rest_framework import exceptions, permissions
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.idempotency import IdempotentMixin
from config.api import ApiViewMixin, _classify, rollback_request
from config.errors import Invalid


def isp_error(status: int, message: str, fields: dict | None = None) -> dict:
    body: dict[str, Any] = {"success": False, "message": message}
    if fields:
        body["errors"] = fields
    return body


def helpdesk_error(status: int, message: str, fields: dict | None = None) -> dict:
    return {"status": "error", "errorCode": status, "message": message}


class CompatView(ApiViewMixin, IdempotentMixin, APIView):
    """Base of the compatibility views: plain JSON in, the API's own JSON out, never HTML.

    POSTs honour `Idempotency-Key` as in the account API (accounts.idempotency).
    """

    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    permission_classes = [permissions.IsAuthenticated]
    error_body = staticmethod(isp_error)

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        # The views read named fields: a JSON array or scalar body is a 422, not a crash.
        if request.method in ("POST", "PUT", "PATCH") and not hasattr(request.data, "get"):
            raise Invalid("The request body must be a JSON object or a form.")

    def get_exception_handler(self):
        return self.handle_compat_exception

    def handle_compat_exception(self, exc: Exception, context: dict) -> Response:
        status, _code, detail, fields, _reason = _classify(exc)
        if status == 422 and fields:
            first = next(iter(fields))
            messages = fields[first]
            message = str(messages[0] if isinstance(messages, list) and messages else messages)
            detail = message if first in message else f"{first}: {message}"
        rollback_request(self)
        response = Response(self.error_body(status, detail, fields), status=status)
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response["Retry-After"] = str(math.ceil(exc.wait))
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response


def int_param(data: Any, name: str, *, required: bool = True, minimum: int = 0) -> int | None:
    """An integer field from a query string, form or JSON body; 422 when missing or malformed."""
    raw = data.get(name) if hasattr(data, "get") else None
    if raw is None or raw == "":
        if required:
            raise Invalid(f"The {name} field is required.", field=name)
        return None
    if isinstance(raw, bool):
        raise Invalid(f"The {name} field must be an integer.", field=name)
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise Invalid(f"The {name} field must be an integer.", field=name) from None
    if value < minimum or value > 2**62:
        raise Invalid(f"The {name} field must be at least {minimum}.", field=name)
    return value


def str_param(data: Any, name: str, *, required: bool = True, max_length: int = 10_000) -> str:
    raw = data.get(name) if hasattr(data, "get") else None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise Invalid(f"The {name} field is required.", field=name)
        return ""
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise Invalid(f"The {name} field must be a string.", field=name)
    value = str(raw).strip()
    if len(value) > max_length:
        raise Invalid(
            f"The {name} field may not be longer than {max_length} characters.", field=name
        )
    return value


def bool_param(data: Any, name: str, *, default: bool) -> bool:
    """Seed 003's keyword booleans: "true"/"false" (JSON booleans accepted too)."""
    raw = data.get(name) if hasattr(data, "get") else None
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise Invalid(f'The {name} field must be "true" or "false".', field=name)


def page_params(request: Request, *, default: int = 100, maximum: int = 500) -> tuple[int, int]:
    """Optional `page`/`per_page` (not in the seeds) so a list never returns an unbounded table."""
    page = int_param(request.query_params, "page", required=False, minimum=1) or 1
    per_page = int_param(request.query_params, "per_page", required=False, minimum=1) or default
    return page, min(per_page, maximum)
