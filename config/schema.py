"""OpenAPI: the envelope, the bearer auth and the organization header, described once."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

ENVELOPE_KEYS = ["success", "data", "meta", "message", "errors"]
ERROR_STATUSES = {
    "401": "AUTHENTICATION_ERROR",
    "403": "AUTHORIZATION_ERROR",
    "404": "NOT_FOUND",
    "409": "CONFLICT",
    "422": "VALIDATION_ERROR",
    "429": "RATE_LIMIT",
    "500": "INTERNAL_ERROR",
}
ACCOUNT_API_PREFIX = "/wp-json/"


class AutoSchema(SpectacularAutoSchema):
    """Documents the organization headers on every view that reads them (`uses_org_header`)."""

    def get_override_parameters(self) -> list:
        from accounts.access import COMPANY_HEADER_PARAMETER, ORG_HEADER_PARAMETER

        parameters = list(super().get_override_parameters())
        if getattr(self.view, "uses_org_header", False):
            headers = [ORG_HEADER_PARAMETER]
            if getattr(self.view, "action", None) == "list" or self._is_list_view():
                headers.append(COMPANY_HEADER_PARAMETER)
            # The view's own declarations come last, so they win on the same name.
            parameters = [*headers, *parameters]
        return parameters


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
    components["PageMeta"] = {
        "type": "object",
        "properties": {k: {"type": "integer"} for k in ("page", "per_page", "total", "pages")},
        "required": ["page", "per_page", "total", "pages"],
    }
    components["ErrorEnvelope"] = {
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
    }
    # The account API is written without trailing slashes (SPEC §1); both spellings are served,
    # and a router's optional "/?" would otherwise be documented as a mandatory "/".
    result["paths"] = {
        (path.rstrip("/") if path.startswith(ACCOUNT_API_PREFIX) else path): operations
        for path, operations in result.get("paths", {}).items()
    }
    for path, operations in result["paths"].items():
        if not path.startswith(ACCOUNT_API_PREFIX):
            continue
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for response in operation["responses"].values():
                content = response.get("content", {}).get("application/json")
                if content is None:
                    response["content"] = {
                        "application/json": {"schema": _wrap({"nullable": True})}
                    }
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
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ErrorEnvelope"}
                            }
                        },
                    },
                )
    return result
