"""Entitlement rules broken: each a DomainError the API turns into the envelope."""

from config.errors import Conflict, Invalid

REASON_PREFIX = "MIDDAG-ENT-"


class EntitlementInvalid(Invalid):
    """Input that breaks an entitlement rule (422), e.g. a cancel without a reason."""


class WinBackWindowClosed(Conflict):
    """A cancelled entitlement can be won back only within 90 days of its cancellation (409)."""

    reason = f"{REASON_PREFIX}WIN_BACK_WINDOW_CLOSED"
