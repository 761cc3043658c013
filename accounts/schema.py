"""OpenAPI: the envelope, the bearer auth and the organization header, described once."""

import copy
import json
import re

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter

from config.api import envelope_schema

COMPONENTS = "#/components/schemas/"
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
        if isinstance(self.view, ConditionalMixin):
            action = getattr(self.view, "action", None)
            for code, response in responses.items():
                if (action in self.view.etag_actions and str(code).startswith("2")) or (
                    action in self.view.created_actions and str(code) == "201"
                ):
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


def _is_envelope(schema: dict, components: dict) -> bool:
    """Already the envelope, inline or as a component (the paginated list schemas are)."""
    ref = schema.get("$ref", "")
    if ref.startswith(COMPONENTS):
        schema = components.get(ref.rsplit("/", 1)[1], {})
    return "success" in schema.get("properties", {})


def envelope_postprocessing_hook(result, generator, request, public):
    """Wrap every account-API response in the envelope and document its error answers; share
    the enums of parameters; type the compatibility APIs' paths."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.update(_envelope_components())
    _allow_blank_uris(components)
    # The account API is written without trailing slashes (SPEC §1); both spellings are served,
    # and a router's optional "/?" would otherwise be documented as a mandatory "/".
    result["paths"] = {
        (path.rstrip("/") if path.startswith(ACCOUNT_API_PREFIX) else path): operations
        for path, operations in result.get("paths", {}).items()
    }
    _add_optional_segments(result["paths"])
    for path, operations in result["paths"].items():
        for operation in _operations(operations):
            _document_parameters(operation, path, components)
            if path.startswith(COMPAT_API_PREFIX):
                _document_compat_errors(path, operation)
            elif path.startswith(ACCOUNT_API_PREFIX):
                _wrap_responses(operation, components)
    return result


def _operations(operations: dict) -> list[dict]:
    return [op for op in operations.values() if isinstance(op, dict) and "responses" in op]


FIELD_MESSAGES = {"type": "array", "items": {"type": "string"}}


def _envelope_components() -> dict:
    """The page meta, the error body, the error envelope and the compatibility APIs' two error
    bodies: each one component, referenced wherever it is answered."""
    return {
        "PageMeta": {
            "type": "object",
            "properties": {k: {"type": "integer"} for k in ("page", "per_page", "total", "pages")},
            "required": ["page", "per_page", "total", "pages"],
        },
        "FieldErrors": {
            "type": "object",
            "description": (
                "The refused input fields: each field's messages, or for a list field an object "
                "keyed by the index of each refused item, holding that item's messages."
            ),
            "additionalProperties": {
                "oneOf": [
                    FIELD_MESSAGES,
                    {"type": "object", "additionalProperties": FIELD_MESSAGES},
                ]
            },
        },
        "ErrorDetail": {
            "type": "object",
            "required": ["code", "detail"],
            "properties": {
                "code": {"type": "string"},
                "detail": {"type": "string"},
                "reason": {"type": "string"},
                "fields": {"$ref": f"{COMPONENTS}FieldErrors"},
            },
        },
        "ErrorEnvelope": {
            "type": "object",
            "required": ENVELOPE_KEYS,
            "properties": {
                "success": {"type": "boolean", "enum": [False]},
                "data": {"nullable": True},
                "meta": {"nullable": True},
                "message": {"type": "string", "nullable": True},
                "errors": {"$ref": f"{COMPONENTS}ErrorDetail"},
            },
        },
        **_compat_error_components(),
    }


def _compat_error_components() -> dict:
    """The compatibility APIs' error bodies, each in its own wire style."""
    return {
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


def _envelope_name(schema: dict) -> str:
    """The component of the envelope around `schema`: one per kind of `data`, shared by every
    operation answering it (`TicketEnvelope`, `HistoryEntryListEnvelope`, `EmptyEnvelope`)."""
    ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
    if not ref:
        return "EmptyEnvelope"
    name = ref.rsplit("/", 1)[1]
    return f"{name}ListEnvelope" if schema.get("type") == "array" else f"{name}Envelope"


def _wrap_responses(operation: dict, components: dict) -> None:
    """An account-API operation: each answer in the envelope, and every error answer listed."""
    for response in operation["responses"].values():
        content = response.setdefault("content", {}).setdefault("application/json", {})
        schema = content.get("schema", {"nullable": True})
        if _is_envelope(schema, components):
            continue
        name = _envelope_name(schema)
        components.setdefault(name, envelope_schema(schema))
        content["schema"] = {"$ref": f"{COMPONENTS}{name}"}
    for code, name in ERROR_STATUSES.items():
        operation["responses"].setdefault(
            code,
            {
                "description": name,
                "content": {"application/json": {"schema": {"$ref": f"{COMPONENTS}ErrorEnvelope"}}},
            },
        )


def _document_compat_errors(path: str, operation: dict) -> None:
    """The compatibility APIs' error answers: `{success, message}` (seed 002) or
    `{status, errorCode, message}` (seed 003)."""
    name = "IspError" if path.startswith(ISP_API_PREFIX) else "HelpdeskError"
    for code, description in COMPAT_ERROR_STATUSES.items():
        operation["responses"].setdefault(
            code,
            {
                "description": description,
                "content": {"application/json": {"schema": {"$ref": f"{COMPONENTS}{name}"}}},
            },
        )


# The compatibility APIs' path parameters, typed by their owner (tickets.compat registers them:
# accounts imports nothing from tickets), and the optional trailing segments of a path.
COMPAT_PATH_PARAMETERS: dict[str, dict] = {}
OPTIONAL_SEGMENTS: dict[str, list[str]] = {}
EMPTY_IS_ABSENT = "An empty value is ignored: the same as leaving the parameter out."


def describe_compat_paths(
    parameters: dict[str, dict], optional_segments: dict[str, list[str]] | None = None
) -> None:
    """Register the schemas of compatibility-API path parameters (by name) and, per path, the
    trailing segments its route accepts optionally (each documented as a path of its own)."""
    COMPAT_PATH_PARAMETERS.update(parameters)
    OPTIONAL_SEGMENTS.update(optional_segments or {})


def _add_optional_segments(paths: dict) -> None:
    """`/get_tickets/{user_id}/` also as `/{status}/` and `/{status}/{assigned_admin}/`."""
    for path, segments in OPTIONAL_SEGMENTS.items():
        if path not in paths:
            continue
        for count in range(1, len(segments) + 1):
            names = segments[:count]
            longer = path + "".join(f"{{{name}}}/" for name in names)
            operations = copy.deepcopy(paths[path])
            for operation in _operations(operations):
                operation["operationId"] += "_by_" + "_".join(names)
                operation.setdefault("parameters", []).extend(
                    {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                    for name in names
                )
            paths[longer] = operations


def _document_parameters(operation: dict, path: str, components: dict) -> None:
    """Every parameter: its enum a shared component; an optional query or organization header
    parameter says an empty value is ignored (what the server does); the compatibility APIs'
    path parameters typed as registered."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter["in"] == "path" and path.startswith(COMPAT_API_PREFIX):
            schema = parameter["schema"] = dict(
                COMPAT_PATH_PARAMETERS.get(parameter["name"], schema)
            )
        name = f"{_resource(path)}_{parameter['name']}"
        parameter["schema"] = _share_enums(name, schema, components)
        if _empty_is_absent(parameter, schema):
            if parameter["in"] == "query":
                parameter["allowEmptyValue"] = True
            own = parameter.get("description", "")
            if EMPTY_IS_ABSENT not in own:
                parameter["description"] = f"{own}\n\n{EMPTY_IS_ABSENT}".strip()


def _resource(path: str) -> str:
    """The last named segment of a path (`tickets` of `/environments/{environment_pk}/tickets`),
    which names the enums its parameters introduce."""
    named = [part for part in path.split("/") if part and not part.startswith("{")]
    return named[-1] if named else ""


def register_component(auto_schema, name: str, schema: dict) -> dict:
    """For a field extension: `schema` as the component `name` (once), and a reference to it."""
    component = ResolvedComponent(
        name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
    )
    auto_schema.registry.register_on_missing(component)
    return component.ref


def _empty_is_absent(parameter: dict, schema: dict) -> bool:
    """Query parameters and the organization headers: an empty value counts as not sent (a
    required one is then missing). Idempotency-Key and If-Match declare a minimum length."""
    if parameter.get("required") or parameter["in"] == "path":
        return False
    return parameter["in"] == "query" or parameter["name"].startswith("X-Middag-")


def _share_enums(name: str, schema: dict, components: dict) -> dict:
    """The schema with its enum (or its items', or its alternatives') a component reference."""
    if "enum" in schema:
        return _shared_enum(name, schema, components)
    schema = dict(schema)
    if isinstance(schema.get("items"), dict):
        schema["items"] = _share_enums(name, schema["items"], components)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            schema[key] = [_share_enums(name, option, components) for option in schema[key]]
    return schema


def _enum_key(values: list) -> tuple:
    return tuple(sorted(json.dumps(v) for v in values))


def _shared_enum(name: str, schema: dict, components: dict) -> dict:
    """A reference to the component enum with these values, made (once) when there is none."""
    key = _enum_key(schema["enum"])
    same = (n for n, c in components.items() if "enum" in c and _enum_key(c["enum"]) == key)
    component_name = next(same, None)
    if component_name is None:
        base = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part)
        component_name, number = f"{base}Enum", 1
        while component_name in components:
            number += 1
            component_name = f"{base}{number}Enum"
        components[component_name] = {
            k: v for k, v in schema.items() if k in ("type", "enum", "description")
        }
    ref = {"$ref": f"{COMPONENTS}{component_name}"}
    extra = {k: v for k, v in schema.items() if k not in ("type", "enum", "description")}
    return {"allOf": [ref], **extra} if extra else ref


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
