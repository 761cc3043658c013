"""Routers that serve each path with and without a trailing slash, never through a redirect."""

from rest_framework.routers import SimpleRouter


class Router(SimpleRouter):
    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"  # DRF's constructor only knows "/" or ""
