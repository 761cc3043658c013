"""Ticket rule violations; the exception handler in config/api.py turns them into the envelope."""

from __future__ import annotations

from config.errors import Conflict, Forbidden, Invalid, NotFound
from config.fsm import TransitionConflict


class TicketError(Exception):
    """Marker base: every error below is also a config.errors.DomainError."""


class TicketForbidden(TicketError, Forbidden):
    """403: the caller may not do this to service requests (role, scope, class, internal note)."""

    reason = "MIDDAG-SR-FORBIDDEN"


class TicketNotFound(TicketError, NotFound):
    """404: an object named by id is not in the caller's organization."""


class TicketInvalid(TicketError, Invalid):
    """422: a field breaks a ticket rule (missing reason, bad rating, non-staff assignee…)."""


class EntitlementClassForbidden(TicketForbidden):
    """403: clients open requests against ENV-class entitlements only."""

    reason = "MIDDAG-SR-ENTITLEMENT_CLASS"


class EntitlementNotActive(TicketError, Conflict):
    """409: the entitlement is not active."""

    reason = "MIDDAG-SR-ENTITLEMENT_NOT_ACTIVE"


class EnvironmentDecommissioned(TicketError, Conflict):
    """409: the environment is decommissioned."""

    reason = "MIDDAG-SR-ENVIRONMENT_DECOMMISSIONED"


class TicketTransitionNotAllowed(TicketError, TransitionConflict):
    """409: the lifecycle does not allow this move from the current status."""

    reason = "MIDDAG-SR-TRANSITION_NOT_ALLOWED"


class TicketClosed(TicketError, Conflict):
    """409: a closed or cancelled ticket takes no more replies or changes."""

    reason = "MIDDAG-SR-CLOSED"


class TicketNotRateable(TicketError, Conflict):
    """409: only resolved or closed tickets are rated."""

    reason = "MIDDAG-SR-NOT_RATEABLE"
