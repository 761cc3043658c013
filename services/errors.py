"""Service errors: the rules of services/actions.py, as envelope codes and HTTP statuses."""

from enum import StrEnum

from config.errors import Conflict, Invalid
from config.fsm import TransitionConflict
from entitlements.errors import EntitlementNotActive
from environments.errors import StandaloneEntitlement

__all__ = [
    "EntitlementNotActive",
    "LifecycleLocked",
    "LifecycleTransitionNotAllowed",
    "NotAnSvcEntitlement",
    "NotStaff",
    "Reason",
    "ServiceFinished",
    "StandaloneEntitlement",
]


class Reason(StrEnum):
    """Every `errors.reason` the services app answers with."""

    NOT_SVC_CLASS = "MIDDAG-SVC-NOT_SVC_CLASS"
    NO_ORGANIZATION = "MIDDAG-SVC-NO_ORGANIZATION"
    ENTITLEMENT_NOT_ACTIVE = "MIDDAG-SVC-ENTITLEMENT_NOT_ACTIVE"
    ASSIGNEE_NOT_STAFF = "MIDDAG-SVC-ASSIGNEE_NOT_STAFF"
    FINISHED = "MIDDAG-SVC-FINISHED"
    LIFECYCLE_LOCKED = "MIDDAG-SVC-LIFECYCLE_LOCKED"
    TRANSITION_NOT_ALLOWED = "MIDDAG-SVC-TRANSITION_NOT_ALLOWED"
    CONDITION_NOT_MET = "MIDDAG-SVC-CONDITION_NOT_MET"


class NotAnSvcEntitlement(Invalid):
    """Services belong to SVC-class entitlements only (422)."""

    reason = Reason.NOT_SVC_CLASS


class NotStaff(Invalid):
    """A service is assigned to a MIDDAG staff member only (422)."""

    reason = Reason.ASSIGNEE_NOT_STAFF


class ServiceFinished(Conflict):
    """A closed or cancelled service is terminal: nothing about it changes any more (409)."""

    reason = Reason.FINISHED


class LifecycleLocked(Conflict):
    """The lifecycle is chosen before work starts; it cannot change once in progress (409)."""

    reason = Reason.LIFECYCLE_LOCKED


class LifecycleTransitionNotAllowed(TransitionConflict):
    """Deliver and rework are for projects; an ongoing service closes from in progress (409)."""

    reason = Reason.TRANSITION_NOT_ALLOWED
