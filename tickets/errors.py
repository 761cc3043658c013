"""Ticket rule violations; the exception handler in config/api.py turns them into the envelope."""

from __future__ import annotations

from enum import StrEnum

from config.errors import Conflict, Forbidden, Invalid, NotFound
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
