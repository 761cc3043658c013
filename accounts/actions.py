"""Every write on users, organizations and memberships, each in one transaction."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import invitations, tenancy, tokens
from accounts.models import ALL_SCOPES, Invitation, Membership, Organization, User
from audit import actions as audit
from audit.models import AuditEntry
from config.errors import Conflict, Forbidden, Invalid, NotFound

Role = Membership.Role
Status = Invitation.Status


@transaction.atomic
def user_register(*, email: str, password: str, name: str = "") -> User:
    """Create a client user; an email already registered is a 409."""
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            "An account with this email already exists.", reason="MIDDAG-ACC-EMAIL_TAKEN"
        )
    return User.objects.create_user(email=email, password=password, name=name)


@transaction.atomic
def user_password_change(*, user: User, current_password: str, new_password: str) -> User:
    """A user changes their own password, proving the current one (wrong: 422); every token
    they held is revoked. The new password is validated by the caller (the input serializer)."""
    if not user.check_password(current_password):
        raise Invalid("The current password is incorrect.", field="current_password")
    user.set_password(new_password)  # sets tokens_valid_after (accounts.models.User)
    user.save(update_fields=["password", "tokens_valid_after"])
    tokens.blacklist_refresh_tokens(user)
    return user


@transaction.atomic
def user_sign_out_everywhere(*, user: User) -> None:
    """Sign out everywhere: every token the user holds is revoked."""
    user.revoke_tokens()
    user.save(update_fields=["tokens_valid_after"])
    tokens.blacklist_refresh_tokens(user)


@transaction.atomic
def organization_create(*, actor: User, **fields) -> Organization:
    """Create an organization; the caller becomes its owner. A CNPJ already used is a 409."""
    cnpj = fields.get("cnpj") or ""
    if cnpj and Organization.objects.filter(cnpj=cnpj).exists():
        raise Conflict(
            "An organization with this CNPJ already exists.", reason="MIDDAG-ORG-CNPJ_TAKEN"
        )
    org = Organization.objects.create(slug=Organization.unique_slug(fields["name"]), **fields)
    Membership.objects.create(user=actor, organization=org, role=Role.OWNER, scopes=ALL_SCOPES)
    return org


@transaction.atomic
def organization_update(*, org: Organization, actor: User | None, **fields) -> Organization:
    """Members with the organization scope (above guest) and staff change an organization's
    details; a CNPJ used by another organization is a 409."""
    tenancy.require_member(actor, org.pk, scope="organization")
    cnpj = fields.get("cnpj")
    if cnpj and Organization.objects.filter(cnpj=cnpj).exclude(pk=org.pk).exists():
        raise Conflict(
            "An organization with this CNPJ already exists.", reason="MIDDAG-ORG-CNPJ_TAKEN"
        )
    before = audit.snapshot(org, list(fields))
    for name, value in fields.items():
        setattr(org, name, value)
    org.save()
    audit.record_update(actor=actor, subject=org, before=before, organization_id=org.pk)
    return org


@transaction.atomic
def organization_delete(*, org: Organization, actor: User | None) -> None:
    """Only the owner or staff delete; an organization that still owns records is a 409."""
    membership = None if tenancy.is_staff(actor) else tenancy.live_membership(actor, org.pk)
    if not tenancy.is_staff(actor) and (membership is None or membership.role != Role.OWNER):
        raise Forbidden("Only the owner or MIDDAG staff may delete an organization.")
    audit.record(
        actor=actor,
        subject=org,
        action=AuditEntry.Action.DELETE,
        organization_id=None,  # the row outlives the organization
        label=org.name,
        internal=True,
    )
    org.delete()  # entitlements and tickets PROTECT the organization: ProtectedError is a 409


def _actor_membership(actor: User | None, org_id: int) -> Membership | None:
    """The actor's live membership of the organization (None for staff and the system)."""
    return None if tenancy.is_staff(actor) else tenancy.live_membership(actor, org_id)


def _check_can_manage(actor: User | None, actor_membership: Membership | None, role: str) -> None:
    """Owners, admins and staff manage collaborators, never granting a role above their own."""
    if tenancy.is_staff(actor):
        return
    if actor_membership is None or actor_membership.role not in (Role.OWNER, Role.ADMIN):
        raise Forbidden("Only the owner or an admin may manage collaborators.")
    if Membership.RANK[role] > actor_membership.rank:
        raise Forbidden("You cannot grant a role above your own.")


@transaction.atomic
def collaborator_add(
    *,
    org: Organization,
    actor: User | None,
    email: str,
    role: str,
    scopes: list[str],
) -> Membership | Invitation:
    """Invite an address to the organization: a pending invitation, the same whether the address
    has an account or not (an active member already is a 409). Staff, trusted operators, add an
    existing account at once; an address with no account is invited even by them."""
    _check_can_manage(actor, _actor_membership(actor, org.pk), role)
    if role == Role.OWNER:
        raise Conflict(
            "An organization has exactly one owner; transfer ownership by changing a member's role.",
            reason="MIDDAG-ORG-ONE_OWNER",
        )
    if not tenancy.is_staff(actor):
        invitations.limit(org.pk, actor.pk)
    email = email.strip().lower()
    members = Membership.objects.filter(organization=org, is_active=True)
    if members.filter(user__email__iexact=email).exists():
        raise _already_member()
    user = User.objects.filter(email__iexact=email).first() if tenancy.is_staff(actor) else None
    if user is None:
        return _invite(org, actor, email, role, scopes)
    if not user.is_active:  # staff only: whose account is deactivated is no secret to them
        raise Conflict("This account is deactivated.", reason="MIDDAG-ORG-USER_INACTIVE")
    membership = _membership_grant(org, user, role, scopes)
    _audit_member(actor, membership, AuditEntry.Action.MEMBER_ADD, [None, role], [None, scopes])
    return membership


def _already_member() -> Conflict:
    return Conflict(
        "This user is already a member of the organization.", reason="MIDDAG-ORG-ALREADY_MEMBER"
    )


def _membership_grant(org: Organization, user: User, role: str, scopes: list[str]) -> Membership:
    """A live membership of `user` (a removed member coming back keeps their row)."""
    membership = Membership.objects.filter(user=user, organization=org).first()
    if membership is not None and membership.is_active:
        raise _already_member()
    if membership is None:
        return Membership.objects.create(user=user, organization=org, role=role, scopes=scopes)
    membership.role, membership.scopes, membership.is_active = role, scopes, True
    membership.save()
    return membership


def _invite(
    org: Organization, actor: User | None, email: str, role: str, scopes: list[str]
) -> Invitation:
    """A pending invitation, mailed on commit; one pending per address and organization."""
    pending = Invitation.objects.filter(organization=org, email=email, status=Status.PENDING)
    # An expired one makes way for the new one (a data fix of the status, no transition).
    pending.filter(expires_at__lte=timezone.now()).update(status=Status.EXPIRED)
    if pending.exists():
        raise Conflict(
            "This address already has a pending invitation to the organization.",
            reason="MIDDAG-ORG-ALREADY_INVITED",
        )
    invitation = Invitation.objects.create(
        organization=org,
        email=email,
        role=role,
        scopes=scopes,
        invited_by=actor if getattr(actor, "pk", None) else None,
        expires_at=invitations.expiry(),
    )
    _audit_invitation(actor, invitation, [None, Status.PENDING])
    invitations.schedule_mail(invitation.pk)
    return invitation


def _audit_invitation(actor: User | None, invitation: Invitation, status: list) -> None:
    changes = {"status": status}
    if status[0] is None:
        changes.update(role=[None, invitation.role], scopes=[None, invitation.scopes])
    audit.record(
        actor=actor,
        subject=invitation,
        action=AuditEntry.Action.UPDATE,
        changes=changes,
        label=invitation.email,
    )


def _own_invitation(invitation_id: int, user: User) -> Invitation:
    """The user's invitation, locked, still open: another address's is a 404, an expired or
    answered one a 409."""
    invitation = (
        Invitation.objects.addressed_to(user)
        .select_for_update(of=("self",))
        .select_related("organization", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        raise NotFound(f"Invitation {invitation_id} not found.")
    if invitation.is_expired:
        raise Conflict("This invitation has expired.", reason="MIDDAG-ORG-INVITATION_EXPIRED")
    if invitation.status != Status.PENDING:
        raise Conflict(
            f"This invitation was already {invitation.status}.",
            reason="MIDDAG-ORG-INVITATION_ANSWERED",
        )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation_id: int, user: User) -> Invitation:
    """Only the invited address's account accepts; the invitation becomes a live membership."""
    invitation = _own_invitation(invitation_id, user)
    role, scopes = invitation.role, list(invitation.scopes)
    membership = _membership_grant(invitation.organization, user, role, scopes)
    invitation.accept()
    invitation.responded_at = timezone.now()
    invitation.save()
    _audit_member(user, membership, AuditEntry.Action.MEMBER_ADD, [None, role], [None, scopes])
    return invitation


@transaction.atomic
def invitation_reject(*, invitation_id: int, user: User) -> Invitation:
    """Only the invited address's account rejects; nothing is granted."""
    invitation = _own_invitation(invitation_id, user)
    invitation.reject()
    invitation.responded_at = timezone.now()
    invitation.save()
    _audit_invitation(user, invitation, [Status.PENDING, Status.REJECTED])
    return invitation


def _audit_member(
    actor: User | None, membership: Membership, action: str, role: list, scopes: list
) -> None:
    changes = {"role": role, "scopes": scopes}
    audit.record(
        actor=actor,
        subject=membership,
        action=action,
        changes={k: v for k, v in changes.items() if v[0] != v[1]},
        label=membership.user.email,
    )


@transaction.atomic
def collaborator_update(
    *,
    membership: Membership,
    actor: User | None,
    role: str | None = None,
    scopes: list[str] | None = None,
) -> Membership:
    """Change a member's role or scopes. Making someone owner transfers ownership (owner or staff)."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    new_role = role or membership.role
    actor_membership = _actor_membership(actor, membership.organization_id)
    _check_can_manage(actor, actor_membership, new_role)
    if not tenancy.is_staff(actor) and membership.rank > actor_membership.rank:
        raise Forbidden("You cannot change a member whose role is above your own.")
    if membership.role == Role.OWNER and new_role != Role.OWNER:
        raise Conflict(
            "The owner keeps the role until ownership is transferred to another member.",
            reason="MIDDAG-ORG-ONE_OWNER",
        )
    if new_role == Role.OWNER and membership.role != Role.OWNER:
        # Transfer: the current owner becomes an admin in the same transaction.
        Membership.objects.filter(organization=membership.organization, role=Role.OWNER).update(
            role=Role.ADMIN
        )
    old_role, old_scopes = membership.role, list(membership.scopes)
    membership.role = new_role
    if scopes is not None:
        membership.scopes = scopes
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as exc:
        raise Conflict("The organization already has an owner.") from exc
    _audit_member(
        actor,
        membership,
        AuditEntry.Action.MEMBER_CHANGE,
        [old_role, membership.role],
        [old_scopes, list(membership.scopes)],
    )
    return membership


@transaction.atomic
def collaborator_remove(*, membership: Membership, actor: User | None) -> None:
    """Remove a member; the owner cannot be removed. Access ends at once, tokens or not."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    actor_membership = _actor_membership(actor, membership.organization_id)
    if membership.role == Role.OWNER:
        raise Conflict("The owner cannot be removed.", reason="MIDDAG-ORG-OWNER_REMOVAL")
    is_self = actor_membership is not None and actor_membership.pk == membership.pk
    if not is_self:
        _check_can_manage(actor, actor_membership, membership.role)
    _audit_member(
        actor,
        membership,
        AuditEntry.Action.MEMBER_REMOVE,
        [membership.role, None],
        [list(membership.scopes), None],
    )
    membership.delete()


def validate_scopes(scopes: list[str]) -> list[str]:
    """Known scopes only (else 422), without duplicates, in the SPEC's order."""
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise Invalid(f"Unknown scopes: {', '.join(unknown)}.", field="scopes")
    return sorted(set(scopes), key=ALL_SCOPES.index)
