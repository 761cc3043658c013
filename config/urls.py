"""Root URLs: the account API, the compatibility APIs, the schema and docs, the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

ACCOUNT_API = "wp-json/middag-account/v1/"
COMPAT_API = "api/v1/"

urlpatterns = [
    path(ACCOUNT_API, include("accounts.api.urls")),
    path(ACCOUNT_API, include("entitlements.api.urls")),
    path(ACCOUNT_API, include("environments.api.urls")),
    path(ACCOUNT_API, include("services.api.urls")),
    path(ACCOUNT_API, include("tickets.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/", admin.site.urls),
]

handler404 = "config.api.not_found_view"
handler500 = "config.api.server_error_view"
