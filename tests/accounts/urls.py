"""A test-only URLconf: the real one plus probes of the organization context and the error paths.

The probes sit under the account API's prefix so the envelope, the schema hook and the org
context apply to them exactly as to a domain app's org-scoped viewset.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import OrgScopedViewSet
from accounts.models import Organization
from config.errors import Conflict
from config.routers import Router
from config.urls import ACCOUNT_API, handler404, handler500
from config.urls import urlpatterns as base_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]


class ProbeViewSet(OrgScopedViewSet):
    """Reports the organization context the foundation resolved; writes need a role above guest."""

    model = None  # never queried: the probe only reports the resolved context
    required_scope = "entitlements"
    staff_only_actions = ("staff_only",)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request) -> Response:
        return Response(
            {
                "org": self.org.pk if self.org else None,
                "role": self.membership.role if self.membership else None,
            }
        )

    def create(self, request: Request) -> Response:
        """Writes a row, then breaks a rule: the row must not survive the request."""
        Organization.objects.create(name="Half written", slug="half-written")
        raise Conflict("Broken after a write.", reason="TEST-ROLLBACK")

    @action(detail=False, methods=["get"])
    def staff_only(self, request: Request) -> Response:
        return Response({"ok": True})

    @action(detail=False, methods=["post"])
    def model_invalid(self, request: Request) -> Response:
        """An action that relies on a model's full_clean(): Django's ValidationError escapes."""
        Organization(name="", slug="x", country="BR").full_clean()
        return Response({})

    @action(detail=False, methods=["get"])
    def missing_row(self, request: Request) -> Response:
        Organization.objects.get(pk=987654321)
        return Response({})

    @action(detail=False, methods=["get"])
    def crash(self, request: Request) -> Response:
        raise RuntimeError("secret internals /etc/passwd")


def plain_crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals of a plain Django view")


router = Router()
router.register("probe", ProbeViewSet, basename="probe")

urlpatterns = [
    path(f"{ACCOUNT_API}__test__/", include(router.urls)),
    path("__test__/plain-crash", plain_crash),
    *base_urlpatterns,
]
