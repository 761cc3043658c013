"""Every write on users, organizations and memberships, each in one transaction."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts import tenancy, tokens
from accounts.models import ALL_SCOPES, Membership, Organization, User
from audit import actions as audit
from audit.models import AuditEntry
from config.errors import Conflict, Forbidden, Invalid, NotFound

Role = Membership.Role


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
) -> Membership:
    """Add an existing user to the organization (unknown email 404, already a member 409)."""
    _check_can_manage(actor, _actor_membership(actor, org.pk), role)
    if role == Role.OWNER:
        raise Conflict(
            "An organization has exactly one owner; transfer ownership by changing a member's role.",
            reason="MIDDAG-ORG-ONE_OWNER",
        )
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        raise NotFound(f"No active user with the email {email}.")
    membership = Membership.objects.filter(user=user, organization=org).first()
    if membership is not None and membership.is_active:
        raise Conflict(
            "This user is already a member of the organization.", reason="MIDDAG-ORG-ALREADY_MEMBER"
        )
    if membership is not None:  # a removed member coming back
        membership.role, membership.scopes, membership.is_active = role, scopes, True
        membership.save()
    else:
        membership = Membership.objects.create(
            user=user, organization=org, role=role, scopes=scopes
        )
    _audit_member(actor, membership, AuditEntry.Action.MEMBER_ADD, [None, role], [None, scopes])
    return membership


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
