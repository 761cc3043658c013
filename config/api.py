"""The account API's envelope, done once: renderer, pagination, exception handler, 404/500 views.

Every answer is {"success", "data", "meta", "message", "errors"}, all five keys always present.
Views return plain data (or `respond(...)` to add a message); the renderer wraps it. The
pagination class and the exception handler build whole envelopes and mark the response so the
renderer leaves them alone.
"""

import logging
import math
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import (
    DEFAULT_DB_ALIAS,
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    transaction,
)
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, JsonResponse
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions, permissions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import set_rollback

from config.errors import DomainError

logger = logging.getLogger("config.api")

# Methods that must leave the database as it was, whatever the view does.
READ_ONLY_METHODS = frozenset({"HEAD", "OPTIONS"})

MESSAGES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Permission denied",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Validation failed",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def envelope(
    data: Any = None,
    *,
    success: bool = True,
    meta: dict | None = None,
    message: str | None = None,
    errors: dict | None = None,
) -> dict:
    """The one shape of every answer of the account API."""
    return {"success": success, "data": data, "meta": meta, "message": message, "errors": errors}


def envelope_schema(data: dict, *, meta: dict | None = None) -> dict:
    """The OpenAPI schema of a success envelope around `data`: page meta and error body by
    reference (components PageMeta and ErrorDetail, accounts.schema), so generated clients make
    one class of each."""
    return {
        "type": "object",
        "required": ["success", "data", "meta", "message", "errors"],
        "properties": {
            "success": {"type": "boolean"},
            "data": data,
            "meta": meta
            or {"allOf": [{"$ref": "#/components/schemas/PageMeta"}], "nullable": True},
            "message": {"type": "string", "nullable": True},
            "errors": {"allOf": [{"$ref": "#/components/schemas/ErrorDetail"}], "nullable": True},
        },
    }


def error_envelope(
    code: str,
    detail: str,
    http_status: int,
    *,
    fields: dict | None = None,
    reason: str | None = None,
) -> dict:
    errors: dict[str, Any] = {"code": code, "detail": detail}
    if fields:
        errors["fields"] = fields
    if reason:
        errors["reason"] = reason
    return envelope(None, success=False, message=MESSAGES.get(http_status, detail), errors=errors)


def respond(data: Any = None, *, status: int = 200, message: str | None = None) -> Response:
    """A Response whose envelope carries `message` (e.g. "Service request created")."""
    response = Response(data, status=status)
    response.envelope_message = message
    return response


class EnvelopeRenderer(JSONRenderer):
    """Wraps whatever a view returned in the envelope, unless it is one already."""

    def render(self, data, accepted_media_type=None, renderer_context=None):  # type: ignore[override]
        response = (renderer_context or {}).get("response")
        if response is not None and not getattr(response, "enveloped", False):
            failed = response.status_code >= 400
            data = envelope(
                None if failed else data,
                success=not failed,
                message=getattr(response, "envelope_message", None),
                errors={"code": "ERROR", "detail": str(data)} if failed else None,
            )
        return super().render(data, accepted_media_type, renderer_context)


class ApiViewMixin:
    """What every API view (account API and both compatibility APIs) does before anything else.

    - 405 for a method the view does not serve, before authentication, permissions or headers.
      DRF checks those first, so a TRACE would be a 401, 403 or 422 depending on the caller;
      whether an operation exists does not depend on who asks.
    - One transaction per write. A POST, PUT, PATCH or DELETE runs whole in one transaction (as
      ATOMIC_REQUESTS would; an error answer rolls it back). A GET runs outside one: it writes
      nothing, so BEGIN and COMMIT would be two round trips to the database for no guarantee
      (measured in the README's performance section). A view whose GET writes (the helpdesk
      API's `close_ticket`) sets `atomic_reads = True`.
    - HEAD and OPTIONS never change anything. HEAD is served by the GET handler and the view
      sees a GET (a view that branches on the method takes its read branch, whatever body came
      with it); a view whose GET writes (`atomic_reads`) refuses HEAD with 405. OPTIONS answers
      DRF's metadata, which checks no precondition (config.conditional). Both run in a
      transaction that is always rolled back, so a write that slipped in anyway is undone.
    """

    atomic_reads = False
    # How the view decides whose data it serves (tests/test_route_tenancy.py checks every route):
    # "organization" the header's organization through accounts.tenancy (OrgScopedViewSet),
    # "compat" the same resolver for the compatibility APIs, "organization-in-path" the caller's
    # organizations, "own-account" nothing but the caller's own account.
    tenancy: str | None = None

    @classmethod
    def as_view(cls, *args, **kwargs):  # type: ignore[no-untyped-def]
        view = super().as_view(*args, **kwargs)  # type: ignore[misc]
        # Django's ATOMIC_REQUESTS wrapper is replaced by dispatch() below, which knows the method.
        view._non_atomic_requests = {DEFAULT_DB_ALIAS}
        return view

    def dispatch(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.sent_method = request.method  # as on the wire (HEAD is served as a GET below)
        read_only = request.method in READ_ONLY_METHODS
        self.in_transaction = (
            read_only or request.method not in permissions.SAFE_METHODS or self.atomic_reads
        )
        if not self.in_transaction:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        with transaction.atomic():
            try:
                return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
            finally:
                if read_only:
                    transaction.set_rollback(True)

    def initialize_request(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        drf_request = super().initialize_request(request, *args, **kwargs)  # type: ignore[misc]
        if request.method == "HEAD":
            drf_request.method = "GET"  # the WSGI request stays HEAD: the body is not sent
        return drf_request

    def initial(self, request, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        method = self.sent_method.lower()
        if method != "options" and (
            method not in self.http_method_names
            or not hasattr(self, method)
            or (method == "head" and self.atomic_reads)
        ):
            raise exceptions.MethodNotAllowed(self.sent_method)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    @property
    def allowed_methods(self) -> list[str]:
        methods = super().allowed_methods  # type: ignore[misc]
        return [m for m in methods if not (m == "HEAD" and self.atomic_reads)]


class EnvelopePagination(PageNumberPagination):
    """`?page=` (default 1) and `?per_page=` (default 20, clamped to 100); bad values are 422."""

    page_size = 20
    max_page_size = 100
    page_query_param = "page"
    page_size_query_param = "per_page"

    def _positive_int(self, request, name: str, default: int) -> int:
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise exceptions.ValidationError({name: ["A positive integer is required."]}) from None
        if value < 1:
            raise exceptions.ValidationError({name: ["A positive integer is required."]})
        return value

    # From this many skipped rows on, a page is picked by id first (see _page).
    deep_page_from = 200

    def paginate_queryset(self, queryset, request, view=None):  # type: ignore[override]
        page = self._positive_int(request, self.page_query_param, 1)
        per_page = min(
            self._positive_int(request, self.page_size_query_param, self.page_size),
            self.max_page_size,
        )
        # A view may know its list's total without counting the rows (tickets: trigger-kept
        # counts for an unfiltered list); otherwise count them.
        known = getattr(view, "list_total", None)
        total = known(queryset) if known is not None else None
        if total is None:
            total = queryset.count()
        start = (page - 1) * per_page
        self.meta = {
            "page": page,
            "per_page": per_page,
            "total": total,
            "pages": math.ceil(total / per_page) if total else 0,
        }
        return self._page(queryset, start, per_page) if start < total else []

    def _page(self, queryset, start: int, per_page: int) -> list:
        """The page's rows. Deep in a list ordered by columns, the page's ids are picked first
        by a query that reads only the index (the skipped rows are never fetched from the
        table), and the rows are read by id in the same statement."""
        window = slice(start, start + per_page)
        if start < self.deep_page_from or not _orders_by_columns(queryset):
            return list(queryset[window])
        ids = queryset.values("pk")[window]
        return list(queryset.filter(pk__in=ids))

    def get_paginated_response(self, data) -> Response:  # type: ignore[override]
        response = Response(envelope(data, meta=self.meta))
        response.enveloped = True
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return envelope_schema(schema, meta={"$ref": "#/components/schemas/PageMeta"})

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": "per_page",
                "in": "query",
                "required": False,
                "description": "Page size, clamped to 100.",
                "schema": {"type": "integer", "minimum": 1, "default": 20},
            },
        ]


def _orders_by_columns(queryset) -> bool:
    """Whether the queryset is ordered (explicitly or by Meta) by its model's columns only, or
    by annotations computed from the row alone (e.g. tickets' priority rank, which is indexed):
    no aggregate, no subquery, so the ids of a page can be picked without reading the rows."""
    query = queryset.query
    if query.distinct or query.combinator or (not query.default_ordering and not query.order_by):
        return False
    ordering = query.order_by or queryset.model._meta.ordering
    columns = {f.name for f in queryset.model._meta.concrete_fields}
    columns |= {f.attname for f in queryset.model._meta.concrete_fields} | {"pk"}
    columns |= {name for name, expr in query.annotations.items() if _row_expression(expr)}
    return bool(ordering) and all(
        isinstance(key, str) and key.lstrip("-") in columns for key in ordering
    )


def _row_expression(expression: Any) -> bool:
    """An expression over the row's own columns only: no aggregate, no subquery."""
    if getattr(expression, "contains_aggregate", True) or getattr(expression, "subquery", False):
        return False
    return all(_row_expression(e) for e in expression.get_source_expressions() if e is not None)


def _flatten(detail: Any) -> Any:
    """DRF's ErrorDetail tree as plain strings, each field a list of messages."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [str(item) for item in detail]
        return [_flatten(item) for item in detail]
    return [str(detail)]


def _first_message(fields: Any) -> str:
    while isinstance(fields, dict | list) and fields:
        fields = next(iter(fields.values())) if isinstance(fields, dict) else fields[0]
    return str(fields) if fields else "Validation failed."


def _django_fields(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if key == NON_FIELD_ERRORS else key): [str(m) for m in messages]
            for key, messages in exc.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def classify_exception(exc: Exception) -> tuple[int, str, str, dict | None, str | None]:
    """Map an exception to (HTTP status, code, detail, fields, reason): the one classification
    every wire format renders (this envelope, and the compatibility APIs' own bodies)."""
    if isinstance(exc, DomainError):
        return exc.status_code, exc.code, exc.detail, getattr(exc, "fields", None), exc.reason
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = _flatten(detail)
        return 422, "VALIDATION_ERROR", _first_message(fields), fields, None
    if isinstance(exc, DjangoValidationError):  # a model's full_clean() or validator in an action
        fields = _django_fields(exc)
        return 422, "VALIDATION_ERROR", _first_message(fields), fields, None
    if isinstance(exc, exceptions.ParseError):
        return 422, "VALIDATION_ERROR", f"Malformed request body: {exc.detail}", None, None
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return 415, "VALIDATION_ERROR", str(exc.detail), None, None
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        detail = (
            exc.detail.get("detail", exc.detail) if isinstance(exc.detail, dict) else exc.detail
        )
        return 401, "AUTHENTICATION_ERROR", str(detail), None, None
    if isinstance(exc, exceptions.PermissionDenied | DjangoPermissionDenied):
        detail = (
            getattr(exc, "detail", None) or "You do not have permission to perform this action."
        )
        return 403, "AUTHORIZATION_ERROR", str(detail), None, None
    if isinstance(exc, Http404 | exceptions.NotFound | ObjectDoesNotExist):
        # ObjectDoesNotExist: a .get() on an id the client sent that names no row.
        return 404, "NOT_FOUND", "Not found.", None, None
    if isinstance(exc, exceptions.MethodNotAllowed):
        return 405, "METHOD_NOT_ALLOWED", str(exc.detail), None, None
    if isinstance(exc, exceptions.NotAcceptable):
        return 406, "NOT_ACCEPTABLE", str(exc.detail), None, None
    if isinstance(exc, exceptions.Throttled):
        return 429, "RATE_LIMIT", str(exc.detail), None, None
    if isinstance(exc, TransitionNotAllowed | ConcurrentTransition):
        return 409, "CONFLICT", "The object changed state; reload it and try again.", None, None
    if isinstance(exc, ProtectedError):
        return 409, "CONFLICT", "The object is still referenced by other records.", None, None
    if isinstance(exc, IntegrityError):
        return 409, "CONFLICT", "The request conflicts with existing data.", None, None
    if isinstance(exc, DataError):
        return 422, "VALIDATION_ERROR", "A value is out of range for its field.", None, None
    if isinstance(exc, RequestDataTooBig):
        return 413, "PAYLOAD_TOO_LARGE", "The request body is too large.", None, None
    if isinstance(exc, OperationalError | InterfaceError):
        # A lost or refused connection (Django wraps psycopg's). Any other DatabaseError, e.g.
        # a TransactionManagementError or a ProgrammingError, is a bug: the 500 below.
        logger.exception("Database unavailable", exc_info=exc)
        return 503, "SERVICE_UNAVAILABLE", "The database is unavailable; retry later.", None, None
    logger.exception("Unexpected error", exc_info=exc)
    return 500, "INTERNAL_ERROR", "An unexpected error occurred.", None, None


def rollback_request(view: Any) -> None:
    """On an error answer, roll back the request's transaction: the one ApiViewMixin opened for
    a write. A read has none of its own, and must not mark one around it (a test's) for rollback."""
    if getattr(view, "in_transaction", True):
        set_rollback()


def exception_handler(exc: Exception, context: dict) -> Response:
    """Every error of the account API as the envelope; the request's transaction is rolled back."""
    http_status, code, detail, fields, reason = classify_exception(exc)
    rollback_request(context.get("view"))
    response = Response(
        error_envelope(code, detail, http_status, fields=fields, reason=reason),
        status=http_status,
    )
    response.enveloped = True
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            response["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None) is not None:
            response["Retry-After"] = str(math.ceil(exc.wait))
    if http_status == 401 and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def not_found_view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Unknown routes: the envelope with 404, as JSON."""
    return JsonResponse(
        error_envelope("NOT_FOUND", f"No route for {request.path}.", 404), status=404
    )


def server_error_view(request: HttpRequest) -> JsonResponse:
    """Anything that escaped the handler: a 500 envelope without a traceback."""
    return JsonResponse(
        error_envelope("INTERNAL_ERROR", "An unexpected error occurred.", 500),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
