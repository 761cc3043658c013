"""Environment errors: the rules of environments/actions.py, as envelope codes and HTTP statuses."""

from config.errors import Conflict, Invalid


class NotAnEnvEntitlement(Invalid):
    """Environments belong to ENV-class entitlements only (422)."""

    reason = "MIDDAG-ENV-NOT_ENV_CLASS"


class StandaloneEntitlement(Invalid):
    """An environment takes its organization from the entitlement, so it needs one (422)."""

    reason = "MIDDAG-ENV-NO_ORGANIZATION"


class EnvironmentAlreadyExists(Conflict):
    """One environment per ENV entitlement (409)."""

    reason = "MIDDAG-ENV-ALREADY_EXISTS"


class EntitlementNotActive(Conflict):
    """The entitlement must be active to create an environment or bring one back to active (409)."""

    reason = "MIDDAG-ENV-ENTITLEMENT_NOT_ACTIVE"


class EnvironmentDecommissioned(Conflict):
    """A decommissioned environment is terminal: nothing about it changes any more (409)."""

    reason = "MIDDAG-ENV-DECOMMISSIONED"
