"""Environment errors: the rules of environments/actions.py, as envelope codes and HTTP statuses."""

from enum import StrEnum

from config.errors import Conflict, Invalid
from entitlements.errors import EntitlementNotActive

__all__ = [
    "EntitlementNotActive",
    "EnvironmentAlreadyExists",
    "EnvironmentDecommissioned",
    "NotAnEnvEntitlement",
    "Reason",
    "StandaloneEntitlement",
]


class Reason(StrEnum):
    """Every `errors.reason` the environments app answers with."""

    NOT_ENV_CLASS = "MIDDAG-ENV-NOT_ENV_CLASS"
    NO_ORGANIZATION = "MIDDAG-ENV-NO_ORGANIZATION"
    ALREADY_EXISTS = "MIDDAG-ENV-ALREADY_EXISTS"
    ENTITLEMENT_NOT_ACTIVE = "MIDDAG-ENV-ENTITLEMENT_NOT_ACTIVE"
    DECOMMISSIONED = "MIDDAG-ENV-DECOMMISSIONED"
    TRANSITION_NOT_ALLOWED = "MIDDAG-ENV-TRANSITION_NOT_ALLOWED"
    CONDITION_NOT_MET = "MIDDAG-ENV-CONDITION_NOT_MET"


class NotAnEnvEntitlement(Invalid):
    """Environments belong to ENV-class entitlements only (422)."""

    reason = Reason.NOT_ENV_CLASS


class StandaloneEntitlement(Invalid):
    """An environment or service takes its organization from the entitlement, so it needs one
    (422); each app raises it with its own reason."""

    reason = Reason.NO_ORGANIZATION


class EnvironmentAlreadyExists(Conflict):
    """One environment per ENV entitlement (409)."""

    reason = Reason.ALREADY_EXISTS


class EnvironmentDecommissioned(Conflict):
    """A decommissioned environment is terminal: nothing about it changes and it takes no new
    service requests (409); tickets raise it with their own reason."""

    reason = Reason.DECOMMISSIONED
