"""Membership and organization changes leave an audit row, written by the action."""

import pytest

from accounts import actions
from accounts.models import Membership
from audit.models import AuditEntry
from config.errors import Forbidden
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _rows(org) -> list[tuple[str, dict]]:
    return [(e.action, e.changes) for e in AuditEntry.objects.filter(organization=org)]


def test_a_member_added_changed_and_removed_is_audited(org, owner):
    newcomer = UserFactory(email="new@acme.example")
    # An owner invites; the member is added when the invitee accepts (issue 17, finding 3).
    invitation = actions.collaborator_add(
        org=org, actor=owner, email=newcomer.email, role="member", scopes=["entitlements"]
    )
    actions.invitation_accept(invitation_id=invitation.pk, user=newcomer)
    membership = Membership.objects.get(user=newcomer, organization=org)
    actions.collaborator_update(membership=membership, actor=owner, role="admin")
    actions.collaborator_remove(membership=membership, actor=owner)
    assert _rows(org) == [
        (
            "update",
            {
                "status": [None, "pending"],
                "role": [None, "member"],
                "scopes": [None, ["entitlements"]],
            },
        ),
        ("member_add", {"role": [None, "member"], "scopes": [None, ["entitlements"]]}),
        ("member_change", {"role": ["member", "admin"]}),
        ("member_remove", {"role": ["admin", None], "scopes": [["entitlements"], None]}),
    ]
    assert {e.object_label for e in AuditEntry.objects.all()} == {"new@acme.example"}


def test_an_organization_edit_is_audited_and_needs_the_organization_scope(org, owner, member):
    old_name = org.name
    actions.organization_update(org=org, actor=owner, name="Acme Hosting")
    assert _rows(org) == [("update", {"name": [old_name, "Acme Hosting"]})]
    with pytest.raises(Forbidden):
        actions.organization_update(org=org, actor=member, name="Taken over")
