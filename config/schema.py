"""OpenAPI: the envelope, the bearer auth and the organization header, described once."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ENVELOPE_KEYS = ["success", "data", "meta", "message", "errors"]
ERROR_STATUSES = {
    "401": "AUTHENTICATION_ERROR",
    "403": "AUTHORIZATION_ERROR",
    "404": "NOT_FOUND",
    "409": "CONFLICT",
    "422": "VALIDATION_ERROR",
    "429": "RATE_LIMIT",
}


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
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/wp-json/"):
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
                if "success" not in schema.get("properties", {}):
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
