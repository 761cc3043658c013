"""Root URLs: the account API, the compatibility APIs, the schema and docs, the admin."""

from django.contrib import admin
from django.db import transaction
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import error_pages
from config.api import not_found_view


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI under the Content-Security-Policy: its script is a file of its own (`?script`),
    never inline. No OAuth pop-up here, so the page keeps the site's COOP (same-origin) rather
    than drf-spectacular's `unsafe-none`."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().get(request, *args, **kwargs)
        if "Cross-Origin-Opener-Policy" in response:
            del response["Cross-Origin-Opener-Policy"]  # SecurityMiddleware sets same-origin
        return response


ACCOUNT_API = "wp-json/middag-account/v1/"
COMPAT_API = "api/v1/"

urlpatterns = [
    path(ACCOUNT_API, include("accounts.api.urls")),
    path(ACCOUNT_API, include("entitlements.api.urls")),
    path(ACCOUNT_API, include("environments.api.urls")),
    path(ACCOUNT_API, include("services.api.urls")),
    path(ACCOUNT_API, include("tickets.api.urls")),
    path(COMPAT_API, include("tickets.compat.urls")),
    # The schema reads no table: no request transaction, so it is served (and loaded in process
    # by the schema fuzzer) without a database connection.
    path(
        "api/schema/",
        transaction.non_atomic_requests(SpectacularAPIView.as_view()),
        name="schema",
    ),
    path("api/docs/", DocsView.as_view(url_name="schema"), name="docs"),
    path("admin/mfa/", include("accounts.mfa_urls")),  # staff two-factor pages (accounts.mfa)
    path("admin/", include("tickets.admin_urls")),  # staff attachment downloads (issue 14)
    path("admin/", admin.site.urls),
    path("", include("ops.urls")),  # /health/live, /health/ready, /metrics (issue 16)
    path("portal/", include("portal.urls")),
    path("mail/", include("mail.urls")),  # inbound mail webhooks (issue 14)
    # Unknown API routes answer JSON even with DEBUG=1 (handler404 only applies when DEBUG=0).
    # csrf_exempt: a POST to an unknown API route is a JSON 404, not Django's HTML CSRF page.
    re_path(r"^(?:wp-json|api)/", csrf_exempt(not_found_view)),
    # `/`: staff to the back office, everyone else to the portal (config.error_pages).
    path("", error_pages.home, name="home"),
    # Keep last: any other address is the 404 page (HTML for browsers, JSON for API clients),
    # also with DEBUG=1, which would otherwise list the URL patterns.
    re_path(r"^(?P<rest>.*)$", csrf_exempt(error_pages.unknown_page)),
]

# Browsers get friendly pages, API routes and API clients the JSON envelope (config.error_pages).
handler400 = "config.error_pages.bad_request"
handler403 = "config.error_pages.permission_denied"
handler404 = "config.error_pages.page_not_found"
handler500 = "config.error_pages.server_error"
