"""The admin's two-factor pages, under /admin/mfa/ (config.urls)."""

from django.contrib import admin
from django.urls import path

from accounts import mfa_views

urlpatterns = [
    # Enrolment is for staff (the admin's own check); the code page for anyone signed in.
    path("setup/", admin.site.admin_view(mfa_views.mfa_setup), name="mfa-setup"),
    path("verify/", mfa_views.mfa_verify, name="mfa-verify"),
]
