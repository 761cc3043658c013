"""Back office for users, organizations and memberships.

Memberships change only through accounts.actions, as in the API: collaborator_add,
collaborator_update and collaborator_remove, from the membership pages and from the membership
inlines of the user and organization pages alike. A rule an action refuses (the owner removed, a
second owner, someone already a member) is a form error or an error message, and the page's
transaction keeps nothing (config.admin.ActionAdminMixin). Ownership moves by a transfer
(PATCH a member's role to owner in the API), never by an edit here. A member added here is
added at once: collaborator_add with a staff actor skips the invitation a client's owner sends.

The admin's login form counts its attempts in the API's throttle buckets (per address, per
account) before any password is hashed: one limit for every door (accounts.throttles).
"""

from __future__ import annotations

import math

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.decorators import display
from unfold.forms import (
    AdminPasswordChangeForm,
    AuthenticationForm,
    UserChangeForm,
    UserCreationForm,
)

from accounts import actions
from accounts.models import Membership, Organization, User
from accounts.throttles import sign_in_wait
from config.admin import ActionAdminMixin, ActionModelForm, ModelAdmin, TabularInline
from config.errors import DomainError, Invalid

Role = Membership.Role


class AdminSignInForm(AuthenticationForm):  # unfold's: Django's admin form, themed inputs
    """The admin's login: the API's limits first, then one hash; staff-only is decided after it."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _("Too many sign-in attempts. Try again in %(seconds)d seconds."),
    }

    def clean(self) -> dict:
        wait = sign_in_wait(self.request, self.cleaned_data.get("username"))
        if wait is not None:  # refused before authenticate(): a throttled attempt hashes nothing
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"seconds": math.ceil(wait)},
            )
        return super().clean()


admin.site.login_form = AdminSignInForm


def clean_scopes(scopes: list[str] | None) -> list[str]:
    """Known scopes only, as the API takes them."""
    try:
        return actions.validate_scopes(scopes or [])
    except Invalid as exc:
        raise forms.ValidationError(exc.detail) from exc


class MembershipForm(forms.ModelForm):
    """Role and scopes; "owner" is offered only to the owner's own row (no second owner)."""

    class Meta:
        model = Membership
        fields = ["role", "scopes"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "role" in self.fields and self.instance.role != Role.OWNER:
            self.fields["role"].choices = [c for c in Role.choices if c[0] != Role.OWNER]

    def clean_scopes(self) -> list[str]:
        return clean_scopes(self.cleaned_data.get("scopes"))


class MembershipChangeForm(MembershipForm, ActionModelForm):
    validate_model = False  # collaborator_update decides

    def perform(self) -> Membership:
        data = self.cleaned_data
        return actions.collaborator_update(
            membership=self.instance, actor=self.actor, role=data["role"], scopes=data["scopes"]
        )


class MembershipAddForm(MembershipChangeForm):
    class Meta:
        model = Membership
        fields = ["organization", "user", "role", "scopes"]

    def perform(self) -> Membership:
        data = self.cleaned_data
        return actions.collaborator_add(
            org=data["organization"],
            actor=self.actor,
            email=data["user"].email,
            role=data["role"],
            scopes=data["scopes"],
        )


def save_memberships(actor: User, formset) -> None:
    """A memberships inline's rows, each through its action; a refusal aborts the page."""
    formset.save(commit=False)  # sorts the rows into new, changed and deleted; writes nothing
    for membership in formset.deleted_objects:
        actions.collaborator_remove(membership=membership, actor=actor)
    for membership, _fields in formset.changed_objects:
        actions.collaborator_update(
            membership=membership, actor=actor, role=membership.role, scopes=membership.scopes
        )
    formset.new_objects = [
        actions.collaborator_add(
            org=new.organization,
            actor=actor,
            email=new.user.email,
            role=new.role,
            scopes=new.scopes,
        )
        for new in formset.new_objects
    ]


class MembershipInline(TabularInline):
    """The members of an organization, on the organization's page."""

    model = Membership
    form = MembershipForm
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "scopes", "is_active", "created_at"]
    readonly_fields = ["is_active", "created_at"]


class UserMembershipInline(MembershipInline):
    """The organizations of a user, on the user's page: here the row names the organization."""

    autocomplete_fields = ["organization"]
    fields = ["organization", "role", "scopes", "is_active", "created_at"]


class MembershipInlinesMixin(ActionAdminMixin):
    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        save_memberships(request.user, formset)
        return None


@admin.register(User)
class UserAdmin(MembershipInlinesMixin, BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_active", "is_superuser"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [UserMembershipInline]


@admin.register(Organization)
class OrganizationAdmin(MembershipInlinesMixin, ModelAdmin):
    list_display = [
        "name",
        "slug",
        "tax_id",
        "company",
        "type",
        "country",
        "status_label",
        "created_at",
    ]
    list_filter = ["company", "type", "status", "country"]
    search_fields = ["name", "legal_name", "slug", "cnpj", "email"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    @display(description="CNPJ", ordering="cnpj")
    def tax_id(self, obj: Organization) -> str:
        return obj.cnpj or "—"

    @display(description="status", ordering="status", label={"active": "success"})
    def status_label(self, obj: Organization) -> tuple[str, str]:
        return obj.status, obj.get_status_display()


@admin.register(Membership)
class MembershipAdmin(ActionAdminMixin, ModelAdmin):
    list_display = ["user", "organization", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active", "organization__company"]
    search_fields = ["user__email", "user__name", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]
    form = MembershipChangeForm
    add_form = MembershipAddForm
    actions = ["remove_selected"]

    def get_fields(self, request: HttpRequest, obj: Membership | None = None) -> list[str]:
        if obj is None:
            return MembershipAddForm.Meta.fields
        return ["user", "organization", "role", "scopes", "is_active", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Membership | None = None) -> list:
        return [] if obj is None else ["user", "organization", "is_active", "created_at"]

    def get_actions(self, request: HttpRequest) -> dict:
        found = super().get_actions(request)
        found.pop("delete_selected", None)  # removal is collaborator_remove, row by row
        return found

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        actions.collaborator_remove(membership=obj, actor=request.user)

    @admin.action(description="Remove selected members", permissions=["delete"])
    def remove_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        removed = 0
        for membership in queryset.select_related("user", "organization"):
            try:
                actions.collaborator_remove(membership=membership, actor=request.user)
            except DomainError as exc:  # its own transaction: the others stay removed
                self.message_user(request, f"{membership}: {exc.detail}", messages.ERROR)
            else:
                removed += 1
        if removed:
            self.message_user(request, f"{removed} member(s) removed.", messages.SUCCESS)
