"""The staff home (the admin's index): counts, clocks and charts of the service desk."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    """unfold's DASHBOARD_CALLBACK: the index page's context, with the dashboard's figures."""
    return context
