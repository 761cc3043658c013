"""Domain errors: raised by actions, turned into the envelope by config.api.exception_handler."""


class DomainError(Exception):
    """A rule of the domain was broken; carries the envelope code, HTTP status and a reason."""

    status_code: int = 409
    code: str = "CONFLICT"
    reason: str | None = None
    default_detail: str = "The request conflicts with the current state."

    def __init__(self, detail: str | None = None, *, reason: str | None = None) -> None:
        self.detail = detail or self.default_detail
        if reason is not None:
            self.reason = reason
        super().__init__(self.detail)


class Conflict(DomainError):
    status_code, code = 409, "CONFLICT"


class Forbidden(DomainError):
    status_code, code = 403, "AUTHORIZATION_ERROR"
    default_detail = "You do not have permission to perform this action."


class NotFound(DomainError):
    status_code, code = 404, "NOT_FOUND"
    default_detail = "Not found."


class Invalid(DomainError):
    """A 422 for a rule that is about the input, with the offending field when known."""

    status_code, code = 422, "VALIDATION_ERROR"
    default_detail = "Validation failed."

    def __init__(
        self, detail: str | None = None, *, field: str | None = None, reason: str | None = None
    ) -> None:
        super().__init__(detail, reason=reason)
        self.fields = {field: [self.detail]} if field else None


class PreconditionFailed(DomainError):
    status_code, code = 412, "PRECONDITION_FAILED"
    default_detail = "The object changed since you read it (If-Match does not match its ETag)."
