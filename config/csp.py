"""The Content-Security-Policy, with one exception for the back office.

Every HTML page gets the strict policy of settings.CONTENT_SECURITY_POLICY. The admin's theme
(django-unfold) runs on Alpine.js, which compiles its `x-data`/`x-on` attribute expressions with
the Function constructor: under /admin/ `script-src` also allows 'unsafe-eval'. Inline scripts
still need the response's nonce there, and every other page (API docs, portal) keeps the policy
without eval.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse

ADMIN_EXTRA = {"script-src": ["'unsafe-eval'"]}


def admin_prefix() -> str:
    """The admin's URL prefix ("/admin/")."""
    return reverse("admin:index")


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware; admin pages may also evaluate Alpine.js expressions."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path.startswith(admin_prefix()) and parts.update is None:
            parts.update = ADMIN_EXTRA
        return parts
