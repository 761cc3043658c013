"""Auth, organizations and collaborators (SPEC §1). Thin: input serializer → action → output."""

import re
from types import SimpleNamespace

from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, prefetch_related_objects
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import actions, mfa, tenancy
from accounts.api import serializers as s
from accounts.idempotency import IdempotentMixin
from accounts.models import Invitation, Membership, Organization, User
from accounts.throttles import AuthEmailThrottle, AuthIPThrottle
from accounts.tokens import (
    RefreshReused,
    TokenRejected,
    issue_pair,
    refresh_revoke,
    refresh_rotate,
    token_org,
)
from config.api import ApiViewMixin, respond
from config.conditional import ConditionalMixin
from config.errors import Forbidden, NotFound


class CredentialsView(ApiViewMixin, APIView):
    """Register and log in: anyone may try, throttled per address and per e-mail."""

    tenancy = "own-account"
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [AuthIPThrottle, AuthEmailThrottle]


class RegisterView(CredentialsView):
    @extend_schema(request=s.RegisterInput, responses={201: s.UserSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        inp = s.RegisterInput(data=request.data)
        inp.is_valid(raise_exception=True)
        user = actions.user_register(**inp.validated_data)
        return respond(s.UserSerializer(user).data, status=201, message="User registered")


class LoginView(CredentialsView):
    @extend_schema(
        request=s.LoginInput,
        responses={200: s.LoginSerializer},
        tags=["auth"],
        description=(
            "Wrong credentials: 401, the same answer for an unknown e-mail and a wrong password. "
            "An account with two-factor authentication also needs `otp` (a 401 with "
            "`errors.reason` `MIDDAG-ACC-OTP_REQUIRED` without it, `MIDDAG-ACC-OTP_INVALID` "
            "with a wrong one). Throttled per address and per e-mail (429 with Retry-After)."
        ),
    )
    def post(self, request: Request) -> Response:
        inp = s.LoginInput(data=request.data)
        inp.is_valid(raise_exception=True)
        data = inp.validated_data
        # One message for an unknown email, a wrong password and a deactivated account.
        user = authenticate(request, username=data["email"].strip(), password=data["password"])
        if user is None:
            raise TokenRejected("Invalid email or password.")
        try:
            mfa.require_second_factor(user=user, code=data.get("otp"))
        except mfa.SecondFactorInvalid:
            # Keep django-otp's failure count: this 401 has nothing else to roll back.
            self.in_transaction = False
            raise
        org = None
        if data.get("organization_id"):
            org = Organization.objects.filter(pk=data["organization_id"]).first()
            if org is None or not (user.is_staff or tenancy.is_live_member(user, org.pk)):
                raise Forbidden(f"You are not a member of organization {data['organization_id']}.")
        update_last_login(None, user)  # shown in the admin; simplejwt's own views are not used
        memberships = tenancy.live_memberships().filter(user=user).order_by("organization__name")
        body = {
            **issue_pair(user, org),
            "user": s.UserSerializer(user).data,
            "organizations": [
                {"id": m.organization_id, "name": m.organization.name, "role": m.role}
                for m in memberships
            ],
        }
        return respond(body, message="Logged in")


class RefreshView(ApiViewMixin, APIView):
    tenancy = "own-account"
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=s.RefreshInput, responses={200: s.TokenPairSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        inp = s.RefreshInput(data=request.data)
        inp.is_valid(raise_exception=True)
        try:
            return respond(refresh_rotate(inp.validated_data["refresh_token"]))
        except RefreshReused:
            self.in_transaction = False  # the 401 must not roll back the session's revocation
            raise


class LogoutView(ApiViewMixin, APIView):
    tenancy = "own-account"

    @extend_schema(request=s.RefreshInput, responses={200: None}, tags=["auth"])
    def post(self, request: Request) -> Response:
        inp = s.RefreshInput(data=request.data)
        inp.is_valid(raise_exception=True)
        refresh_revoke(inp.validated_data["refresh_token"], user=request.user, access=request.auth)
        return respond(None, message="Logged out")


class LogoutAllView(ApiViewMixin, APIView):
    """Sign out everywhere: every token of the caller is revoked, this one included."""

    tenancy = "own-account"

    @extend_schema(request=None, responses={200: None}, tags=["auth"])
    def post(self, request: Request) -> Response:
        actions.user_sign_out_everywhere(user=request.user)
        return respond(None, message="Signed out everywhere")


class OwnAccountThrottle(AuthEmailThrottle):
    """AuthEmailThrottle on the caller's own e-mail: password guesses share login's budget."""

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return super().get_cache_key(SimpleNamespace(data={"email": request.user.email}), view)


class PasswordView(ApiViewMixin, APIView):
    """Change one's own password. Every token held is revoked; the answer is a new pair for
    this client. A wrong current password is a 422 on `current_password` (not a 401: the
    caller's token is fine), throttled like login per address and per account."""

    tenancy = "own-account"
    throttle_classes = [AuthIPThrottle, OwnAccountThrottle]

    @extend_schema(
        request=s.PasswordChangeInput, responses={200: s.TokenPairSerializer}, tags=["auth"]
    )
    def post(self, request: Request) -> Response:
        inp = s.PasswordChangeInput(data=request.data, context={"user": request.user})
        inp.is_valid(raise_exception=True)
        user = actions.user_password_change(user=request.user, **inp.validated_data)
        return respond(issue_pair(user, token_org(request.auth)), message="Password changed")


class MeView(ApiViewMixin, APIView):
    tenancy = "own-account"

    @extend_schema(responses={200: s.MeSerializer}, tags=["auth"])
    def get(self, request: Request) -> Response:
        user = request.user  # read by the authentication: its memberships and invitations only
        prefetch_related_objects(
            [user],
            Prefetch("memberships", queryset=Membership.objects.select_related("organization")),
        )
        context = {"invitations": _open_invitations(user)}
        return respond(s.MeSerializer(user, context=context).data)


def _open_invitations(user: User) -> QuerySet[Invitation]:
    """The invitations the user may still answer, with what they show."""
    return (
        Invitation.objects.addressed_to(user)
        .open()
        .select_related("organization", "invited_by")
        .order_by("-created_at", "-id")
    )


INVITATION_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema(tags=["auth"])
class InvitationListView(ApiViewMixin, APIView):
    """The caller's pending invitations (to their e-mail address), newest first."""

    tenancy = "own-account"

    @extend_schema(responses={200: s.InvitationSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return respond(s.InvitationSerializer(_open_invitations(request.user), many=True).data)


def _path_id(value: str | None) -> int:
    """A numeric id from the path, else 404 ("²".isdigit() is true)."""
    if not re.fullmatch(r"[0-9]{1,18}", str(value)):
        raise NotFound()
    return int(value)


@extend_schema(tags=["auth"])
class InvitationAnswerView(ApiViewMixin, APIView):
    """Accept (a live membership) or reject (nothing granted) an invitation, as the URL says:
    only its addressee; anyone else gets a 404, an expired or answered invitation a 409."""

    tenancy = "own-account"
    answers = {"accept": actions.invitation_accept, "reject": actions.invitation_reject}
    verb = "accept"  # set by the URL (as_view(verb=...))

    @extend_schema(
        request=None, responses={200: s.InvitationSerializer}, parameters=[INVITATION_ID]
    )
    def post(self, request: Request, pk: str) -> Response:
        invitation = self.answers[self.verb](invitation_id=_path_id(pk), user=request.user)
        return respond(
            s.InvitationSerializer(invitation).data, message=f"Invitation {invitation.status}"
        )


MEMBERSHIP_ID = OpenApiParameter("membership_id", OpenApiTypes.INT, OpenApiParameter.PATH)


def _with_owner(qs: QuerySet) -> QuerySet:
    owner = Membership.objects.filter(organization=OuterRef("pk"), role=Membership.Role.OWNER)
    return qs.annotate(owner_id=Subquery(owner.values("user_id")[:1]))


@extend_schema(tags=["organizations"])
class OrganizationViewSet(
    ApiViewMixin,
    IdempotentMixin,
    ConditionalMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's organizations. The organization in the path is the context here, not a header."""

    serializer_class = s.OrganizationSerializer
    tenancy = "organization-in-path"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Organization.objects.none()
        return _with_owner(Organization.objects.visible_to(self.request.user)).distinct()

    def get_object(self) -> Organization:
        org = super().get_object()  # not visible to the caller: 404
        write = self.request.method not in permissions.SAFE_METHODS
        tenancy.require_member(self.request.user, org.pk, scope="organization", write=write)
        self.check_preconditions(org)  # If-Match, once the caller may write at all
        return org

    @extend_schema(request=s.OrganizationInput, responses={201: s.OrganizationSerializer})
    def create(self, request: Request) -> Response:
        inp = s.OrganizationInput(data=request.data)
        inp.is_valid(raise_exception=True)
        org = actions.organization_create(actor=request.user, **inp.validated_data)
        org = _with_owner(Organization.objects.filter(pk=org.pk)).get()
        return respond(self.get_serializer(org).data, status=201, message="Organization created")

    @extend_schema(request=s.OrganizationInput, responses={200: s.OrganizationSerializer})
    def update(self, request: Request, pk: str | None = None) -> Response:
        """PUT and PATCH both change only the fields sent."""
        org = self.get_object()
        inp = s.OrganizationInput(data=request.data, partial=True)
        inp.is_valid(raise_exception=True)
        actions.organization_update(org=org, actor=request.user, **inp.validated_data)
        org = _with_owner(Organization.objects.filter(pk=org.pk)).get()
        return respond(self.get_serializer(org).data, message="Organization updated")

    partial_update = update

    @extend_schema(responses={200: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        org = self.get_object()
        actions.organization_delete(org=org, actor=request.user)
        return respond(None, message="Organization deleted")

    def _collaborator(self, org: Organization, membership_id: str) -> Membership:
        return get_object_or_404(Membership, pk=_path_id(membership_id), organization=org)

    @extend_schema(
        methods=["get"], responses={200: s.CollaboratorSerializer(many=True)}, request=None
    )
    @extend_schema(
        methods=["post"],
        request=s.CollaboratorInput,
        responses={201: s.CollaboratorAddedSerializer},
        description="Invite an e-mail address (owner or admin): 201 with a pending invitation, "
        "the same answer whether the address has an account or not; the addressee accepts or "
        "rejects it (POST /invitations/{id}/accept|reject). Staff add an existing account at "
        "once. An active member is a 409; more than the invitation limit per organization or "
        "per inviter a 429 with Retry-After.",
    )
    @action(detail=True, methods=["get", "post"])
    def collaborators(self, request: Request, pk: str | None = None) -> Response:
        org = self.get_object()
        if request.method == "GET":
            qs = Membership.objects.filter(organization=org, is_active=True).select_related("user")
            page = self.paginate_queryset(qs.order_by("id"))
            return self.get_paginated_response(s.CollaboratorSerializer(page, many=True).data)
        inp = s.CollaboratorInput(data=request.data)
        inp.is_valid(raise_exception=True)
        membership = actions.collaborator_add(
            org=org,
            actor=request.user,
            email=inp.validated_data["email"],
            role=inp.validated_data["role"],
            scopes=actions.validate_scopes(inp.validated_data["scopes"]),
        )
        message = "Collaborator added" if isinstance(membership, Membership) else "Invitation sent"
        return respond(s.CollaboratorAddedSerializer(membership).data, status=201, message=message)

    @extend_schema(
        methods=["patch"],
        request=s.CollaboratorUpdateInput,
        responses={200: s.CollaboratorSerializer},
        parameters=[MEMBERSHIP_ID],
    )
    @extend_schema(
        methods=["delete"], request=None, responses={200: None}, parameters=[MEMBERSHIP_ID]
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"collaborators/(?P<membership_id>[^/.]+)",
    )
    def collaborator(
        self, request: Request, pk: str | None = None, membership_id: str | None = None
    ) -> Response:
        org = self.get_object()
        membership = self._collaborator(org, membership_id)
        if request.method == "DELETE":
            actions.collaborator_remove(membership=membership, actor=request.user)
            return respond(None, message="Collaborator removed")
        inp = s.CollaboratorUpdateInput(data=request.data)
        inp.is_valid(raise_exception=True)
        data = dict(inp.validated_data)
        if "scopes" in data:
            data["scopes"] = actions.validate_scopes(data["scopes"])
        membership = actions.collaborator_update(membership=membership, actor=request.user, **data)
        return respond(s.CollaboratorSerializer(membership).data, message="Collaborator updated")
