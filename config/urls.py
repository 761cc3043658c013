"""Root URLs: the account API, the compatibility APIs, the schema and docs, the admin."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.api import not_found_view

ACCOUNT_API = "wp-json/middag-account/v1/"
COMPAT_API = "api/v1/"

urlpatterns = [
    path(ACCOUNT_API, include("accounts.api.urls")),
    path(ACCOUNT_API, include("entitlements.api.urls")),
    path(ACCOUNT_API, include("environments.api.urls")),
    path(ACCOUNT_API, include("services.api.urls")),
    path(ACCOUNT_API, include("tickets.api.urls")),
    path(COMPAT_API, include("tickets.compat.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/", admin.site.urls),
    # Unknown API routes answer JSON even with DEBUG=1 (handler404 only applies when DEBUG=0).
    re_path(r"^(?:wp-json|api)/", not_found_view),
]

handler404 = "config.api.not_found_view"
handler500 = "config.api.server_error_view"
