"""OpenAPI: the envelope, the bearer auth and the organization header, described once."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter

ENVELOPE_KEYS = ["success", "data", "meta", "message", "errors"]
ERROR_STATUSES = {
    "401": "AUTHENTICATION_ERROR",
    "403": "AUTHORIZATION_ERROR",
    "404": "NOT_FOUND",
    "409": "CONFLICT",
    "413": "PAYLOAD_TOO_LARGE",
    "415": "UNSUPPORTED_MEDIA_TYPE",
    "422": "VALIDATION_ERROR",
    "429": "RATE_LIMIT",
    "500": "INTERNAL_ERROR",
    "503": "SERVICE_UNAVAILABLE",
}
ACCOUNT_API_PREFIX = "/wp-json/"
COMPAT_API_PREFIX = "/api/v1/"
ISP_API_PREFIX = "/api/v1/tickets"  # seed 002; every other compatibility path is seed 003's
# What the compatibility APIs answer besides their successes, each in its own wire style.
COMPAT_ERROR_STATUSES = {
    "401": "Not authenticated",
    "403": "Not allowed (role, scope, staff only, organization)",
    "404": "No such ticket, user, entitlement or organization here",
    "409": "Not possible in the ticket's current status",
    "413": "Request body too large",
    "415": "Unsupported media type",
    "422": "Invalid or missing field",
    "429": "Throttled",
    "500": "Unexpected error",
    "503": "Database unavailable",
}


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
    OpenApiParameter.HEADER,
    description=(
        "Optional, 1-255 visible ASCII characters (e.g. a UUID), per user. A retry with the same "
        "key and request gets the first 2xx answer again (header `Idempotent-Replayed: true`) "
        "and creates nothing; the same key with another request is a 422. Kept 24 h."
    ),
)
IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    {"type": "string", "minLength": 1},
    OpenApiParameter.HEADER,
    description=(
        "Optional: the object's `ETag` from a GET. When the object changed since, the write is "
        "refused with 412 PRECONDITION_FAILED. `*` matches any existing object."
    ),
)
CSV_HELP = "Multiple values may be separated by commas."  # django-filter's, replaced by ours
ETAG_HEADER = {
    "schema": {"type": "string"},
    "description": "Strong tag of this version of the object; send it back in `If-Match`.",
}


class AutoSchema(SpectacularAutoSchema):
    """Documents the organization headers (`uses_org_header`), Idempotency-Key, ETag/If-Match."""

    def _takes_if_match(self) -> bool:
        from config.conditional import ConditionalMixin

        return (
            isinstance(self.view, ConditionalMixin)
            and self.method in ("PUT", "PATCH", "DELETE", "POST")
            and "{id}" in self.path
        )

    def get_override_parameters(self) -> list:
        from accounts.access import COMPANY_HEADER_PARAMETER, ORG_HEADER_PARAMETER
        from accounts.idempotency import IdempotentMixin

        parameters = list(super().get_override_parameters())
        headers = []
        if getattr(self.view, "uses_org_header", False):
            headers.append(ORG_HEADER_PARAMETER)
            if getattr(self.view, "action", None) == "list" or self._is_list_view():
                headers.append(COMPANY_HEADER_PARAMETER)
        if isinstance(self.view, IdempotentMixin) and self.method in self.view.idempotent_methods:
            headers.append(IDEMPOTENCY_KEY_PARAMETER)
        if self._takes_if_match():
            headers.append(IF_MATCH_PARAMETER)
        # The view's own declarations come last, so they win on the same name.
        return [*headers, *parameters]

    def _get_filter_parameters(self) -> list:
        """Array filters take repeated keys (what generated clients send) as well as commas."""
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            if parameter.get("schema", {}).get("type") != "array":
                continue
            name = parameter["name"]
            parameter.update(style="form", explode=True)
            both = (
                f"Several values: repeat the parameter (`{name}=a&{name}=b`) or separate them "
                f"with commas (`{name}=a,b`)."
            )
            own = parameter.get("description", "").replace(CSV_HELP, "").strip()
            parameter["description"] = f"{both}\n\n{own}" if own else both
        return parameters

    def get_operation(self, path, path_regex, path_prefix, method, registry):  # type: ignore[override]
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        from config.conditional import ConditionalMixin

        responses = operation.get("responses", {})
        if (
            isinstance(self.view, ConditionalMixin)
            and getattr(self.view, "action", None) in self.view.etag_actions
        ):
            for code, response in responses.items():
                if str(code).startswith("2"):
                    response.setdefault("headers", {})["ETag"] = ETAG_HEADER
        if self._takes_if_match():
            responses.setdefault(
                "412",
                {
                    "description": "PRECONDITION_FAILED: If-Match names an older version.",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ErrorEnvelope"}
                        }
                    },
                },
            )
        return operation


class JWTScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.JWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (RS256)"}


def _wrap(schema: dict) -> dict:
    return {
        "type": "object",
        "required": ENVELOPE_KEYS,
        "properties": {
            "success": {"type": "boolean"},
            "data": schema,
            "meta": {"allOf": [{"$ref": "#/components/schemas/PageMeta"}], "nullable": True},
            "message": {"type": "string", "nullable": True},
            "errors": {"type": "object", "nullable": True},
        },
    }


def _is_envelope(schema: dict, components: dict) -> bool:
    """Already the envelope, inline or as a component (the paginated list schemas are)."""
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = components.get(ref.rsplit("/", 1)[1], {})
    return "success" in schema.get("properties", {})


def envelope_postprocessing_hook(result, generator, request, public):
    """Wrap every account-API response in the envelope and document its error answers."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.update(_envelope_components())
    _allow_blank_uris(components)
    # The account API is written without trailing slashes (SPEC §1); both spellings are served,
    # and a router's optional "/?" would otherwise be documented as a mandatory "/".
    result["paths"] = {
        (path.rstrip("/") if path.startswith(ACCOUNT_API_PREFIX) else path): operations
        for path, operations in result.get("paths", {}).items()
    }
    for path, operations in result["paths"].items():
        if path.startswith(COMPAT_API_PREFIX):
            _document_compat_errors(path, operations)
            continue
        if not path.startswith(ACCOUNT_API_PREFIX):
            continue
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            _wrap_responses(operation, components)
    return result


def _envelope_components() -> dict:
    """The page meta, the error envelope and the compatibility APIs' two error bodies."""
    return {
        "PageMeta": {
            "type": "object",
            "properties": {k: {"type": "integer"} for k in ("page", "per_page", "total", "pages")},
            "required": ["page", "per_page", "total", "pages"],
        },
        "ErrorEnvelope": {
            "type": "object",
            "required": ENVELOPE_KEYS,
            "properties": {
                "success": {"type": "boolean", "enum": [False]},
                "data": {"nullable": True},
                "meta": {"nullable": True},
                "message": {"type": "string", "nullable": True},
                "errors": {
                    "type": "object",
                    "required": ["code", "detail"],
                    "properties": {
                        "code": {"type": "string"},
                        "detail": {"type": "string"},
                        "reason": {"type": "string"},
                        "fields": {
                            "type": "object",
                            "additionalProperties": {"type": "array", "items": {}},
                        },
                    },
                },
            },
        },
        "IspError": {
            "type": "object",
            "required": ["success", "message"],
            "properties": {
                "success": {"type": "boolean", "enum": [False]},
                "message": {"type": "string"},
                "errors": {"type": "object"},
            },
        },
        "HelpdeskError": {
            "type": "object",
            "required": ["status", "errorCode", "message"],
            "properties": {
                "status": {"type": "string", "enum": ["error"]},
                "errorCode": {"type": "integer"},
                "message": {"type": "string"},
            },
        },
    }


def _wrap_responses(operation: dict, components: dict) -> None:
    """An account-API operation: each answer in the envelope, and every error answer listed."""
    for response in operation["responses"].values():
        content = response.get("content", {}).get("application/json")
        if content is None:
            response["content"] = {"application/json": {"schema": _wrap({"nullable": True})}}
            continue
        schema = content.get("schema", {})
        if not _is_envelope(schema, components):
            content["schema"] = _wrap(schema)
    for code, name in ERROR_STATUSES.items():
        operation["responses"].setdefault(
            code,
            {
                "description": name,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}
                },
            },
        )


def _document_compat_errors(path: str, operations: dict) -> None:
    """The compatibility APIs' error answers: `{success, message}` (seed 002) or
    `{status, errorCode, message}` (seed 003)."""
    name = "IspError" if path.startswith(ISP_API_PREFIX) else "HelpdeskError"
    for operation in operations.values():
        if not isinstance(operation, dict) or "responses" not in operation:
            continue
        for code, description in COMPAT_ERROR_STATUSES.items():
            operation["responses"].setdefault(
                code,
                {
                    "description": description,
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                    },
                },
            )


def _allow_blank_uris(components: dict) -> None:
    """Optional URL fields are stored blank (""), which is no `uri`: document both."""
    for component in components.values():
        for name, prop in list(component.get("properties", {}).items()):
            if prop.get("format") == "uri" and prop.get("type") == "string":
                extra = {k: v for k, v in prop.items() if k not in ("type", "format", "maxLength")}
                component["properties"][name] = {
                    **extra,
                    "anyOf": [
                        {k: v for k, v in prop.items() if k in ("type", "format", "maxLength")},
                        {"type": "string", "maxLength": 0},
                    ],
                }
