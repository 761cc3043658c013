from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import Membership, Organization, User


class MembershipInline(admin.TabularInline):
    """The members of an organization, on the organization's page."""

    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "scopes", "is_active", "created_at"]
    readonly_fields = ["created_at"]


class UserMembershipInline(MembershipInline):
    """The organizations of a user, on the user's page: here the row names the organization."""

    autocomplete_fields = ["organization"]
    fields = ["organization", "role", "scopes", "is_active", "created_at"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "cnpj", "company", "type", "country", "status", "created_at"]
    list_filter = ["company", "type", "status", "country"]
    search_fields = ["name", "legal_name", "slug", "cnpj", "email"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active", "organization__company"]
    search_fields = ["user__email", "user__name", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]
