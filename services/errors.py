"""Service errors: the rules of services/actions.py, as envelope codes and HTTP statuses."""

from config.errors import Conflict, Invalid
from config.fsm import TransitionConflict


class NotAnSvcEntitlement(Invalid):
    """Services belong to SVC-class entitlements only (422)."""

    reason = "MIDDAG-SVC-NOT_SVC_CLASS"


class StandaloneEntitlement(Invalid):
    """A service takes its organization from the entitlement, so it needs one (422)."""

    reason = "MIDDAG-SVC-NO_ORGANIZATION"


class EntitlementNotActive(Conflict):
    """New services are opened only under an active entitlement (409)."""

    reason = "MIDDAG-SVC-ENTITLEMENT_NOT_ACTIVE"


class NotStaff(Invalid):
    """A service is assigned to a MIDDAG staff member only (422)."""

    reason = "MIDDAG-SVC-ASSIGNEE_NOT_STAFF"


class ServiceFinished(Conflict):
    """A closed or cancelled service is terminal: nothing about it changes any more (409)."""

    reason = "MIDDAG-SVC-FINISHED"


class LifecycleLocked(Conflict):
    """The lifecycle is chosen before work starts; it cannot change once in progress (409)."""

    reason = "MIDDAG-SVC-LIFECYCLE_LOCKED"


class LifecycleTransitionNotAllowed(TransitionConflict):
    """Deliver and rework are for projects; an ongoing service closes from in progress (409)."""

    reason = "MIDDAG-SVC-TRANSITION_NOT_ALLOWED"
