"""Input and output shapes of the auth, organization and collaborator endpoints."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.models import ALL_SCOPES, Company, Membership, Organization, User
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


class MeSerializer(UserSerializer):
    memberships = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "memberships"]

    def get_memberships(self, user: User) -> list[dict]:
        live = [m for m in user.memberships.all() if m.is_active]
        return MembershipBriefSerializer(live, many=True).data


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
