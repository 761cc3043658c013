"""Input and output shapes of the auth, organization and collaborator endpoints."""

from types import SimpleNamespace

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import ALL_SCOPES, Company, Invitation, Membership, Organization, User
from accounts.validators import normalize_cnpj


class MembershipBriefSerializer(serializers.ModelSerializer):
    organization_id = serializers.IntegerField(read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    scopes = serializers.ListField(source="effective_scopes", child=serializers.CharField())

    class Meta:
        model = Membership
        fields = ["id", "organization_id", "organization_name", "role", "scopes"]


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name", "is_staff", "is_active", "date_joined"]


class OrganizationBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class InviterSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation as its addressee sees it."""

    organization = OrganizationBriefSerializer()
    invited_by = InviterSerializer(allow_null=True)
    scopes = serializers.ListField(source="effective_scopes", child=serializers.CharField())

    class Meta:
        model = Invitation
        fields = ["id", "organization", "role", "scopes", "invited_by", "status", "expires_at"]


class MeSerializer(UserSerializer):
    """The caller, their live memberships and the invitations they may still answer
    (`context["invitations"]`): an invitation grants nothing until accepted."""

    memberships = serializers.SerializerMethodField()
    invitations = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "memberships", "invitations"]

    def get_memberships(self, user: User) -> list[dict]:
        live = [m for m in user.memberships.all() if m.is_active]
        return MembershipBriefSerializer(live, many=True).data

    @extend_schema_field(InvitationSerializer(many=True))
    def get_invitations(self, user: User) -> list[dict]:
        return InvitationSerializer(self.context.get("invitations", []), many=True).data


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True)
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

    def validate_email(self, value: str) -> str:
        return value.strip().lower()

    def validate(self, attrs: dict) -> dict:
        candidate = User(email=attrs["email"], name=attrs.get("name", ""))
        validate_new_password(attrs["password"], candidate, field="password")
        return attrs


def validate_new_password(password: str, user: User, *, field: str) -> None:
    """Django's password validators (AUTH_PASSWORD_VALIDATORS), as a 422 on `field`."""
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({field: list(exc.messages)}) from exc


class LoginInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True)
    organization_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=(
            "Only for accounts with two-factor authentication (staff who enrolled in the admin): "
            "the 6-digit code of their authenticator app, or one unused recovery code. Without "
            "it such an account gets a 401 with `errors.reason` `MIDDAG-ACC-OTP_REQUIRED`; a "
            "wrong one a 401 with `MIDDAG-ACC-OTP_INVALID` (counted by the login's throttle). "
            "Ignored for other accounts."
        ),
    )


class LoginOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField()


class LoginSerializer(TokenPairSerializer):
    user = UserSerializer()
    organizations = LoginOrganizationSerializer(many=True)


class RefreshInput(serializers.Serializer):
    refresh_token = serializers.CharField(max_length=4096)


class PasswordChangeInput(serializers.Serializer):
    """The caller's current password and a new one; `context["user"]` is the caller."""

    current_password = serializers.CharField(max_length=128, write_only=True)
    new_password = serializers.CharField(max_length=128, write_only=True)

    def validate(self, attrs: dict) -> dict:
        validate_new_password(attrs["new_password"], self.context["user"], field="new_password")
        return attrs


class OrganizationSerializer(serializers.ModelSerializer):
    owner_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "slug",
            "legal_name",
            "cnpj",
            "email",
            "phone",
            "type",
            "country",
            "company",
            "status",
            "owner_id",
            "created_at",
            "updated_at",
        ]


class OrganizationInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    legal_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    cnpj = serializers.CharField(max_length=18, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    type = serializers.ChoiceField(choices=Organization.Type.choices, required=False)
    country = serializers.RegexField(r"^[A-Za-z]{2}$", required=False)
    company = serializers.ChoiceField(choices=Company.choices, required=False)

    def validate_cnpj(self, value: str) -> str:
        if not value:
            return ""
        try:
            return normalize_cnpj(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def validate_country(self, value: str) -> str:
        return value.upper()


class CollaboratorSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.name", read_only=True)
    organization_id = serializers.IntegerField(read_only=True)
    scopes = serializers.ListField(source="effective_scopes", child=serializers.CharField())

    class Meta:
        model = Membership
        fields = [
            "id",
            "user_id",
            "email",
            "name",
            "organization_id",
            "role",
            "scopes",
            "is_active",
            "created_at",
        ]


class CollaboratorAddedSerializer(serializers.Serializer):
    """The answer to adding a collaborator, one shape for both outcomes: a pending invitation
    (`id`, `user_id` null and `name` empty whether the address has an account or not, so the
    answer tells nothing about it) or, added by staff, the live membership."""

    id = serializers.IntegerField(allow_null=True, help_text="The membership, once there is one.")
    user_id = serializers.IntegerField(allow_null=True)
    email = serializers.EmailField()
    name = serializers.CharField()
    organization_id = serializers.IntegerField()
    role = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=["active", "pending"])
    invitation_id = serializers.IntegerField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, obj: Membership | Invitation) -> dict:
        common = {"organization_id": obj.organization_id, "role": obj.role}
        common.update(scopes=obj.effective_scopes, created_at=obj.created_at)
        if isinstance(obj, Invitation):
            row = SimpleNamespace(
                **common, id=None, user_id=None, email=obj.email, name="", is_active=False
            )
            row.status, row.invitation_id, row.expires_at = obj.status, obj.pk, obj.expires_at
        else:
            row = SimpleNamespace(
                **common, id=obj.pk, user_id=obj.user_id, email=obj.user.email, name=obj.user.name
            )
            row.is_active, row.status, row.invitation_id, row.expires_at = (
                True,
                "active",
                None,
                None,
            )
        return super().to_representation(row)


class CollaboratorInput(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ALL_SCOPES), default=list, max_length=len(ALL_SCOPES)
    )


class CollaboratorUpdateInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices, required=False)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ALL_SCOPES),
        required=False,
        max_length=len(ALL_SCOPES),
    )
