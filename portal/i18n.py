"""The portal's language and time zone: the profile's, else the browser's (Accept-Language)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation.trans_real import parse_accept_lang_header

LANGUAGES = ("en", "pt-br")


def request_language(request: HttpRequest) -> str:
    """The profile's language, else the first English or Portuguese one the browser accepts,
    else English."""
    user = getattr(request, "user", None)
    chosen = getattr(user, "language", "") if user is not None else ""
    if chosen in LANGUAGES:
        return chosen
    for tag, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        tag = tag.lower()
        if tag.startswith("pt"):
            return "pt-br"
        if tag.startswith("en"):
            return "en"
    return "en"


@cache
def time_zones() -> list[str]:
    """Every IANA time zone name, sorted (the profile's choices)."""
    return sorted(zoneinfo.available_timezones())


def request_time_zone(request: HttpRequest) -> str:
    """The profile's time zone when it is a known one, else the business time zone."""
    user = getattr(request, "user", None)
    chosen = getattr(user, "time_zone", "") if user is not None else ""
    return chosen if chosen in time_zones() else settings.BUSINESS_TIME_ZONE


@contextmanager
def localized(request: HttpRequest) -> Iterator[str]:
    """Run the block in the request's language and time zone (no global middleware needed)."""
    language = request_language(request)
    with translation.override(language), timezone.override(request_time_zone(request)):
        request.LANGUAGE_CODE = language
        yield language
