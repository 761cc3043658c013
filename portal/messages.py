"""The refusals the actions and the tenancy resolver answer with, marked for translation here so
the portal shows them in the reader's language (`gettext(error.detail)`); a message not listed
(one naming a value, e.g. an entitlement code) is shown as the API words it."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from config.errors import DomainError

REFUSALS = [
    gettext_noop("Guests have read-only access."),
    gettext_noop("Your membership lacks the 'entitlements' scope."),
    gettext_noop("Your membership lacks the 'organization' scope."),
    gettext_noop("You are not a member of this organization."),
    gettext_noop("You are not a member of this service request's organization."),
    gettext_noop("This action needs the member role or above."),
    gettext_noop("A reason is required to reopen a service request."),
    gettext_noop("A title is required."),
    gettext_noop("A description is required."),
    gettext_noop("A message is required."),
    gettext_noop("The rating is an integer from 1 to 5."),
    gettext_noop("Only members of the request's organization may rate it."),
    gettext_noop("A resolved service request is closed or reopened, not cancelled."),
    gettext_noop("Only the owner or an admin may manage collaborators."),
    gettext_noop("You cannot grant a role above your own."),
    gettext_noop("You cannot change a member whose role is above your own."),
    gettext_noop(
        "An organization has exactly one owner; transfer ownership by changing a member's role."
    ),
    gettext_noop("The owner keeps the role until ownership is transferred to another member."),
    gettext_noop("The owner cannot be removed."),
    gettext_noop("This user is already a member of the organization."),
    gettext_noop("The current password is incorrect."),
    gettext_noop("Too many invitations; try again later."),
]


def refusal(error: DomainError) -> str:
    """The error's message in the reader's language when the portal knows it, else as worded."""
    return gettext(error.detail)
