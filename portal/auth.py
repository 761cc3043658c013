"""Signing in and out of the portal and resetting a password: Django's views with the project's
EmailBackend, the sign-in attempts counted in the API login's buckets (accounts.throttles), one
answer for an unknown e-mail and a wrong password."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _

from accounts.throttles import sign_in_wait
from portal.forms import SignInForm
from portal.i18n import localized


def in_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer in the browser's (or the profile's) language, rendered before leaving it."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with localized(request):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
            patch_vary_headers(response, ("Accept-Language",))
            return response

    return wrapped


@method_decorator(in_language, name="dispatch")
class SignInView(auth_views.LoginView):
    """E-mail and password; every attempt counts in the API login's per-address and per-account
    limits, and a throttled attempt is refused before any password is checked (429)."""

    template_name = "portal/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("portal:home")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = sign_in_wait(request, request.POST.get("username") or None)
        if wait is not None:
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                _("Too many sign-in attempts. Try again in %(seconds)d seconds.")
                % {"seconds": max(1, round(wait))},
            )
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(max(1, round(wait)))
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: SignInForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


@method_decorator(in_language, name="dispatch")
class SignOutView(auth_views.LogoutView):
    """POST only (Django's LogoutView); back to the sign-in page."""

    next_page = reverse_lazy("portal:login")


@method_decorator(in_language, name="dispatch")
class ResetView(auth_views.PasswordResetView):
    """The same answer whether the address has an account or not; the mail links back here."""

    template_name = "portal/password_reset.html"
    email_template_name = "portal/password_reset_email.txt"
    subject_template_name = "portal/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")


@method_decorator(in_language, name="dispatch")
class ResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


@method_decorator(in_language, name="dispatch")
class ResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password from the mailed link (User.set_password revokes the API tokens)."""

    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")


@method_decorator(in_language, name="dispatch")
class ResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"
