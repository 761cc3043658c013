"""Where people land: `/`, and the error pages of everything that is not an API.

- `/` sends staff to the back office, everyone else to the client portal (its sign-in page when
  anonymous); never a debug page.
- A browser asking for a page that is not an API route gets a friendly HTML 400, 403, 404, 405 or
  500 page with a way back home; API routes (and any caller that does not ask for HTML) keep the
  JSON envelope (config.api), so API clients see no change.
- A 405 that a view answered with an empty body (Django's `require_POST`, a form view hit by a GET)
  is given the same page by `FriendlyErrorPagesMiddleware`, the `Allow` header kept.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template import loader
from django.urls import NoReverseMatch, reverse

from config.api import error_envelope, not_found_view, server_error_view

API_PREFIXES = ("/wp-json/", "/api/")

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Not available this way",
    500: "Something went wrong",
}


def is_api(request: HttpRequest) -> bool:
    """API routes always answer JSON."""
    return request.path.startswith(API_PREFIXES)


def wants_html(request: HttpRequest) -> bool:
    """A browser asking for a page (not an API route, `Accept` naming text/html)."""
    return not is_api(request) and "text/html" in request.headers.get("Accept", "")


def home_url(request: HttpRequest) -> str:
    """Staff: the back office. Others: the portal (its sign-in page when anonymous); the admin
    sign-in until a portal is installed."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active and user.is_staff:
        return reverse("admin:index")
    try:
        return reverse("portal:home")
    except NoReverseMatch:
        return reverse("admin:login")


def home(request: HttpRequest) -> HttpResponse:
    """`/`: where this person works (see home_url)."""
    return HttpResponseRedirect(home_url(request))


def error_page(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    """The friendly page for `status`: a title, what happened, a link home. Rendered without
    a request context: it must work when the database or a context processor does not."""
    template = loader.select_template([f"{status}.html", "error.html"])
    body = template.render(
        {
            "status": status,
            "title": TITLES.get(status, "Error"),
            "message": message,
            "home": "/",
            "path": request.path,
        }
    )
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: a page for browsers, the JSON envelope for everyone else."""
    if wants_html(request):
        return error_page(request, 404)
    return not_found_view(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: never a traceback; a page for browsers, the envelope otherwise."""
    if wants_html(request):
        return error_page(request, 500)
    return server_error_view(request)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403."""
    if wants_html(request):
        return error_page(request, 403)
    return JsonResponse(
        error_envelope("AUTHORIZATION_ERROR", "You may not do this.", 403), status=403
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400."""
    if wants_html(request):
        return error_page(request, 400)
    return JsonResponse(error_envelope("BAD_REQUEST", "Bad request.", 400), status=400)


def unknown_page(request: HttpRequest, rest: str = "") -> HttpResponse:
    """The last route: an unknown address is the 404 page also with DEBUG=1 (no URL listing)."""
    return page_not_found(request)


class FriendlyErrorPagesMiddleware:
    """An empty 405 a view answered to a browser becomes the friendly page (Allow kept)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and not response.content and wants_html(request):
            page = error_page(request, 405)
            if "Allow" in response:
                page["Allow"] = response["Allow"]
            return page
        return response
