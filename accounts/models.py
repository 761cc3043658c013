"""Users, organizations and memberships, the base every organization-owned model uses, and the
lifecycle kit (LifecycleModel, status_move, status_history) of the models with a status."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from config.fsm import StatusChange


class Company(models.TextChoices):
    MIDDAG_BR = "middag_br", "MIDDAG Brasil"
    MIDDAG_GLOBAL = "middag_global", "MIDDAG Global"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an email address. `is_staff` marks a MIDDAG operator."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Every token issued before this moment is refused (accounts.tokens.is_revoked): set by a
    # password change, a deactivation and "sign out everywhere". Read with the user on each request.
    tokens_valid_after = models.DateTimeField(null=True, blank=True, editable=False)
    # Preferences a person sets in the portal's profile (issue 15). An empty language follows the
    # browser (Accept-Language); an empty time zone shows dates in the business time zone.
    language = models.CharField(
        max_length=10, blank=True, choices=[("en", "English"), ("pt-br", "Português (Brasil)")]
    )
    time_zone = models.CharField(max_length=64, blank=True)
    mail_replies = models.BooleanField(
        default=True, help_text="E-mail me when MIDDAG answers one of my requests."
    )
    mail_status = models.BooleanField(
        default=True, help_text="E-mail me when one of my requests changes status."
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email

    def revoke_tokens(self) -> None:
        """Refuse every token issued until now (saved with the user's next save)."""
        self.tokens_valid_after = timezone.now()

    def set_password(self, raw_password: str | None) -> None:
        """A new password (API, admin, portal, reset) revokes the tokens of an existing user."""
        super().set_password(raw_password)
        if not self._state.adding:
            self.revoke_tokens()

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A deactivated account's tokens stay dead when it is reactivated.
        if not self.is_active and not self._state.adding:
            self.revoke_tokens()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "tokens_valid_after"}
        super().save(*args, **kwargs)


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def visible_to(self, user: User) -> OrganizationQuerySet:
        """Staff see every organization; others those where they hold an active membership."""
        if user.is_staff:
            return self
        return self.filter(memberships__user=user, memberships__is_active=True)


class Organization(models.Model):
    class Type(models.TextChoices):
        COMPANY = "company", "Company"
        UNIVERSITY = "university", "University"
        SCHOOL = "school", "School"
        GOVERNMENT = "government", "Government"
        NONPROFIT = "nonprofit", "Non-profit"
        INDIVIDUAL = "individual", "Individual"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    legal_name = models.CharField(max_length=200, blank=True)
    cnpj = models.CharField(max_length=14, blank=True, help_text="14 digits, stored unformatted.")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.COMPANY)
    country = models.CharField(max_length=2, default="BR", help_text="ISO 3166-1 alpha-2")
    company = models.CharField(max_length=20, choices=Company.choices, default=Company.MIDDAG_BR)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cnpj"], condition=~Q(cnpj=""), name="organization_cnpj_unique"
            ),
        ]
        indexes = [models.Index(fields=["company"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def owner_membership(self) -> Membership | None:
        return next((m for m in self.memberships.all() if m.role == Membership.Role.OWNER), None)

    @staticmethod
    def unique_slug(name: str) -> str:
        base = slugify(name)[:70] or "org"
        slug, n = base, 1
        while Organization.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug


class Scope(models.TextChoices):
    ORGANIZATION = "organization"
    ENTITLEMENTS = "entitlements"
    TICKETS = "tickets"
    LICENSES = "licenses"
    ORDERS = "orders"
    CONTRACTS = "contracts"
    FINANCES = "finances"
    QUOTES = "quotes"
    DOCUMENTS = "documents"
    DOWNLOADS = "downloads"


ALL_SCOPES = [s.value for s in Scope]


class Membership(models.Model):
    """A user's place in an organization: a role and, for members and guests, a list of scopes."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"
        GUEST = "guest", "Guest"

    RANK = {Role.OWNER: 4, Role.ADMIN: 3, Role.MEMBER: 2, Role.GUEST: 1}

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    scopes = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
            # Exactly one owner: at most one here, at least one kept by the actions (an owner
            # can only be replaced through a transfer, never removed).
            models.UniqueConstraint(
                fields=["organization"], condition=Q(role="owner"), name="one_owner_per_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def rank(self) -> int:
        return self.RANK[self.role]

    @property
    def effective_scopes(self) -> list[str]:
        return effective_scopes(self.role, self.scopes)

    def has_scope(self, scope: str | None) -> bool:
        return scope is None or scope in self.effective_scopes


class OrgQuerySet(models.QuerySet):
    """The one place organization scoping is written."""

    org_field = "organization"

    def for_org(self, org: Organization | None) -> OrgQuerySet:
        """Rows of `org`; None means every organization (staff without a header)."""
        if org is None:
            return self
        return self.filter(**{f"{self.model.org_field}_id": org.pk})


class OrgOwnedModel(models.Model):
    """Base for organization-owned rows: `Model.objects.for_org(org)` scopes them."""

    org_field = "organization"

    objects = OrgQuerySet.as_manager()

    class Meta:
        abstract = True


class IdempotencyKey(models.Model):
    """The first successful answer to a POST sent with an `Idempotency-Key` (accounts.idempotency).

    Written in the request's own transaction, so it exists exactly when the rows that request
    created do; the unique constraint makes a concurrent second request with the same key wait
    for the first and then replay its answer.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(
        null=True, blank=True, encoder=DjangoJSONEncoder, help_text="data, message, enveloped"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.method} {self.path})"


# The abstract base of every organization-owned model with a lifecycle (entitlements,
# environments, services): shared columns and the indexes every such list needs, written once.
class LifecycleModel(ConcurrentTransitionMixin, OrgOwnedModel):
    """An organization's row with a status lifecycle: `Model.objects.for_org(org)`, newest first.

    Each model declares its `organization` key itself: its reverse name is written into the
    migrations, and an entitlement's may be empty.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


def list_indexes(prefix: str, filters: dict[str, str]) -> list[models.Index]:
    """The indexes of a newest-first list: an organization's, filtered by each of `filters`
    (index name suffix → field) too, and staff's list of every organization at once."""
    return [
        models.Index(fields=["organization", "-created_at", "-id"], name=f"{prefix}_org_created"),
        *(
            models.Index(fields=["organization", field], name=f"{prefix}_org_{suffix}")
            for suffix, field in filters.items()
        ),
        models.Index(fields=["-created_at", "-id"], name=f"{prefix}_created"),
    ]


class _StatusMove:
    """See `status_move`: becomes the named transition method when the model class is built."""

    def __init__(self, field: FSMField, source: Any, target: Any, **options: Any) -> None:
        self.field, self.source, self.target, self.options = field, source, target, options

    def __set_name__(self, owner: type[models.Model], name: str) -> None:
        def move(instance: models.Model) -> None:
            """Change the status only."""

        # django_fsm names the transition after the method (available transitions, signals).
        move.__name__, move.__qualname__ = name, f"{owner.__qualname__}.{name}"
        decorate = transition(
            field=self.field, source=self.source, target=self.target, **self.options
        )
        setattr(owner, name, decorate(move))


def status_move(field: FSMField, source: Any, target: Any, **options: Any) -> Any:
    """A transition that touches the status only, declared in one line in the model's body:
    `suspend = status_move(status, Status.ACTIVE, Status.SUSPENDED)`. The actions do the rest
    (lock, checks, history, cascades); `options` go to django_fsm's `@transition`."""
    return _StatusMove(field, source, target, **options)


def status_history(subject: type[models.Model], index_name: str) -> type[StatusChange]:
    """The concrete history model of `subject`, `<Subject>StatusChange` in the subject's module:
    `subject.history`, oldest first, indexed by subject and time under `index_name`."""

    class Meta(StatusChange.Meta):
        indexes = [models.Index(fields=["subject", "changed_at"], name=index_name)]

    name = f"{subject.__name__}StatusChange"
    attrs: dict[str, Any] = {
        "__module__": subject.__module__,
        "__qualname__": name,
        "subject": models.ForeignKey(subject, on_delete=models.CASCADE, related_name="history"),
        "Meta": Meta,
    }
    return type(name, (StatusChange,), attrs)


def effective_scopes(role: str, scopes: list[str]) -> list[str]:
    """Owners and admins hold every scope; members and guests their listed (known) ones."""
    if role in (Membership.Role.OWNER, Membership.Role.ADMIN):
        return list(ALL_SCOPES)
    return [s for s in scopes if s in ALL_SCOPES]


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def addressed_to(self, user: User) -> InvitationQuerySet:
        """The invitations sent to the user's address: an invitation binds to the e-mail, so
        one sent before the account existed is found once it does."""
        return self.filter(email__iexact=user.email)

    def open(self) -> InvitationQuerySet:
        """Pending and not expired: the ones their addressee may still answer."""
        return self.filter(status=Invitation.Status.PENDING, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An offer of a membership to an e-mail address, with an account behind it or not. It grants
    nothing: only its addressee's acceptance makes the membership (accounts.actions)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(help_text="Stored lower-case; the addressee's account, now or later.")
    role = models.CharField(
        max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    scopes = models.JSONField(default=list, blank=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = FSMField(choices=Status.choices, default=Status.PENDING, protected=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["email", "status"], name="invitation_email_status")]
        # One open question per address and organization: a second invitation is a 409.
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=Q(status="pending"),
                name="invitation_one_pending",
            ),
        ]

    accept = status_move(status, Status.PENDING, Status.ACCEPTED)
    reject = status_move(status, Status.PENDING, Status.REJECTED)

    def __str__(self) -> str:
        return f"{self.email} → {self.organization_id} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.EXPIRED or (
            self.status == self.Status.PENDING and self.expires_at <= timezone.now()
        )

    @property
    def effective_scopes(self) -> list[str]:
        return effective_scopes(self.role, self.scopes)
