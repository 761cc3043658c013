"""Entitlement rules broken: each a DomainError the API turns into the envelope."""

from enum import StrEnum

from config.errors import Conflict, Invalid


class Reason(StrEnum):
    """Every `errors.reason` the entitlements app answers with."""

    INVALID_TRANSITION = "MIDDAG-ENT-INVALID_TRANSITION"
    CONDITION_NOT_MET = "MIDDAG-ENT-CONDITION_NOT_MET"
    WIN_BACK_WINDOW_CLOSED = "MIDDAG-ENT-WIN_BACK_WINDOW_CLOSED"
    NOT_ACTIVE = "MIDDAG-ENT-NOT_ACTIVE"
    # A refused move to the status the entitlement already has: ALREADY_<STATUS>.
    ALREADY_ACTIVE = "MIDDAG-ENT-ALREADY_ACTIVE"
    ALREADY_SUSPENDED = "MIDDAG-ENT-ALREADY_SUSPENDED"
    ALREADY_EXPIRED = "MIDDAG-ENT-ALREADY_EXPIRED"
    ALREADY_CANCELLED = "MIDDAG-ENT-ALREADY_CANCELLED"

    @classmethod
    def already(cls, status: str) -> "Reason":
        return cls[f"ALREADY_{status.upper()}"]


class EntitlementInvalid(Invalid):
    """Input that breaks an entitlement rule (422), e.g. a cancel without a reason."""


class EntitlementNotActive(Conflict):
    """The entitlement must be active for this (409). Every app raises this one class, with its
    own reason code (MIDDAG-ENV-, MIDDAG-SVC-, MIDDAG-SR-ENTITLEMENT_NOT_ACTIVE)."""

    reason = Reason.NOT_ACTIVE


class WinBackWindowClosed(Conflict):
    """A cancelled entitlement can be won back only within 90 days of its cancellation (409)."""

    reason = Reason.WIN_BACK_WINDOW_CLOSED
