"""Ticket rule violations; the exception handler in config/api.py turns them into the envelope."""

from __future__ import annotations

from enum import StrEnum

from config.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from config.fsm import TransitionConflict


class Reason(StrEnum):
    """Every `errors.reason` the tickets app answers with."""

    FORBIDDEN = "MIDDAG-SR-FORBIDDEN"
    ENTITLEMENT_CLASS = "MIDDAG-SR-ENTITLEMENT_CLASS"
    ENTITLEMENT_NOT_ACTIVE = "MIDDAG-SR-ENTITLEMENT_NOT_ACTIVE"
    ENVIRONMENT_DECOMMISSIONED = "MIDDAG-SR-ENVIRONMENT_DECOMMISSIONED"
    TRANSITION_NOT_ALLOWED = "MIDDAG-SR-TRANSITION_NOT_ALLOWED"
    CONDITION_NOT_MET = "MIDDAG-SR-CONDITION_NOT_MET"
    CLOSED = "MIDDAG-SR-CLOSED"
    NOT_RATEABLE = "MIDDAG-SR-NOT_RATEABLE"
    ATTACHMENT_TOO_LARGE = "MIDDAG-SR-ATTACHMENT_TOO_LARGE"
    ATTACHMENT_TYPE = "MIDDAG-SR-ATTACHMENT_TYPE"
    ATTACHMENT_COUNT = "MIDDAG-SR-ATTACHMENT_COUNT"
    ATTACHMENT_INFECTED = "MIDDAG-SR-ATTACHMENT_INFECTED"
    ATTACHMENT_SCAN_UNAVAILABLE = "MIDDAG-SR-ATTACHMENT_SCAN_UNAVAILABLE"


class TicketError(Exception):
    """Marker base: every error below is also a config.errors.DomainError."""


class TicketForbidden(TicketError, Forbidden):
    """403: the caller may not do this to service requests (role, scope, class, internal note)."""

    reason = Reason.FORBIDDEN


class TicketNotFound(TicketError, NotFound):
    """404: an object named by id is not in the caller's organization."""


class TicketInvalid(TicketError, Invalid):
    """422: a field breaks a ticket rule (missing reason, bad rating, non-staff assignee…)."""


class EntitlementClassForbidden(TicketForbidden):
    """403: clients open requests against ENV-class entitlements only."""

    reason = Reason.ENTITLEMENT_CLASS


class EnvironmentDecommissioned(TicketError, Conflict):
    """409: the environment is decommissioned."""

    reason = Reason.ENVIRONMENT_DECOMMISSIONED


class TicketTransitionNotAllowed(TicketError, TransitionConflict):
    """409: the lifecycle does not allow this move from the current status."""

    reason = Reason.TRANSITION_NOT_ALLOWED


class TicketClosed(TicketError, Conflict):
    """409: a closed or cancelled ticket takes no more replies or changes."""

    reason = Reason.CLOSED


class TicketNotRateable(TicketError, Conflict):
    """409: only resolved or closed tickets are rated."""

    reason = Reason.NOT_RATEABLE


class AttachmentNotFound(TicketNotFound):
    """404: another organization's attachment, or an internal one for a client."""


class AttachmentTooLarge(TicketError, DomainError):
    """413: a file, or the whole request, is over its size limit."""

    status_code, code = 413, "PAYLOAD_TOO_LARGE"
    reason = Reason.ATTACHMENT_TOO_LARGE
    default_detail = "The upload is too large."


class AttachmentRefused(TicketInvalid):
    """422: a file's detected type is not allowed (executables, HTML, SVG…), or the scan found
    a virus; `errors.fields.files` names it."""

    reason = Reason.ATTACHMENT_TYPE

    def __init__(self, detail: str, *, reason: str | None = None) -> None:
        super().__init__(detail, field="files", reason=reason)


class AttachmentCountExceeded(AttachmentRefused):
    """422: more files than a message takes."""

    reason = Reason.ATTACHMENT_COUNT


class AttachmentScanUnavailable(TicketError, DomainError):
    """503: CLAMAV_SOCKET is set but the scanner did not answer; nothing unscanned is stored."""

    status_code, code = 503, "SERVICE_UNAVAILABLE"
    reason = Reason.ATTACHMENT_SCAN_UNAVAILABLE
    default_detail = "The virus scanner is unavailable; retry later."
