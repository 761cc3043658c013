"""Operations endpoints: health probes and Prometheus metrics (both spellings, no redirect)."""

from django.urls import re_path

from ops import health, metrics

urlpatterns = [
    re_path(r"^health/live/?$", health.live, name="health-live"),
    re_path(r"^health/ready/?$", health.ReadyView.as_view(), name="health-ready"),
    re_path(r"^metrics/?$", metrics.metrics, name="metrics"),
]
