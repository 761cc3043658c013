"""The admin's two-factor pages: enrol an authenticator, give a code after the password, renew
the recovery codes. Thin: the rules are accounts.mfa's; the sign-in limit is the API's
(accounts.throttles), so a code guessed here counts where a password guessed at the API does."""

from __future__ import annotations

import math

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from unfold.widgets import UnfoldAdminTextInputWidget

from accounts import mfa
from accounts.throttles import sign_in_wait


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=UnfoldAdminTextInputWidget(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


def _context(request: HttpRequest, title: str, **extra: object) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


def _next_url(request: HttpRequest) -> str:
    """Where to go once done: the `next` the middleware gave, if it is this site's; else home."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index")


def _signed_in(request: HttpRequest, device: object) -> None:
    """The session is verified by `device` from now on; a new session key for the new privilege."""
    otp_login(request, device)
    request.session.cycle_key()


def _show_codes(request: HttpRequest, codes: list[str], title: str) -> HttpResponse:
    """The recovery codes, shown this once: never cached, never shown again."""
    context = _context(request, title, codes=codes, next_url=_next_url(request))
    response = render(request, "admin/mfa/recovery_codes.html", context)
    add_never_cache_headers(response)
    return response


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Staff enrol an authenticator (QR code and the secret to type), confirm it with a code and
    get their recovery codes; once enrolled, renew the recovery codes with a code."""
    user = request.user
    if mfa.is_enrolled(user):
        if not user.is_verified():  # the code first, as for every other page
            return HttpResponseRedirect(f"{reverse('mfa-verify')}?{request.GET.urlencode()}")
        return _renew_codes(request)
    key = request.session.get(mfa.SETUP_KEY_SESSION) or mfa.new_secret()
    request.session[mfa.SETUP_KEY_SESSION] = key
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolled = mfa.mfa_enrol(user=user, key=key, code=form.cleaned_data["code"])
        if enrolled is not None:
            device, codes = enrolled
            del request.session[mfa.SETUP_KEY_SESSION]
            _signed_in(request, device)
            return _show_codes(request, codes, _("Two-factor authentication is on"))
        form.add_error("code", _("That code does not match. Enter the 6 digits the app shows now."))
    context = _context(
        request,
        _("Set up two-factor authentication"),
        form=form,
        qr_code=mfa.qr_data_uri(mfa.provisioning_uri(user, key)),
        secret=mfa.secret_base32(key),
        required=settings.STAFF_MFA_REQUIRED,
        next_url=_next_url(request),
    )
    return render(request, "admin/mfa/setup.html", context)


def _renew_codes(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = mfa.verify_code(user=user, code=form.cleaned_data["code"])
        if device is not None:
            codes = mfa.recovery_codes_regenerate(user=user)
            return _show_codes(request, codes, _("New recovery codes"))
        form.add_error("code", _("That code is not valid."))
    context = _context(
        request,
        _("Two-factor authentication"),
        form=form,
        codes_left=mfa.recovery_codes_left(user),
        next_url=_next_url(request),
    )
    return render(request, "admin/mfa/enrolled.html", context)


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the authenticator's code, or one recovery code."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if user.is_verified() or not mfa.is_enrolled(user):
        return HttpResponseRedirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = sign_in_wait(request, user.email)
        if wait is not None:  # the API's per-address and per-account limit, counted here too
            form.add_error(
                None,
                _("Too many sign-in attempts. Try again in %(seconds)d seconds.")
                % {"seconds": math.ceil(wait)},
            )
        else:
            device = mfa.verify_code(user=user, code=form.cleaned_data["code"])
            if device is not None:
                _signed_in(request, device)
                if isinstance(device, StaticDevice):
                    messages.warning(
                        request,
                        _(
                            "You signed in with a recovery code; %(left)d left. "
                            "Renew them under Two-factor authentication."
                        )
                        % {"left": mfa.recovery_codes_left(user)},
                    )
                return HttpResponseRedirect(_next_url(request))
            form.add_error("code", _("That code is not valid."))
    context = _context(
        request,
        _("Two-factor authentication"),
        form=form,
        next_url=_next_url(request),
        # Not signed in yet: no navigation to pages this session may not open.
        available_apps=[],
        has_permission=False,
    )
    return render(request, "admin/mfa/verify.html", context)
