"""The one JSON parser of every API (the account API and both compatibility APIs).

DRF's JSONParser turns a `ValueError` into a ParseError (a 422), but a body can be valid JSON and
still break the request: 100,000 nested brackets raise RecursionError (a 500 with a traceback),
`1e999999` silently becomes infinity. Here nesting is bounded before the decoder runs, numbers no
column holds are refused, NaN/Infinity stay refused, and an object naming a key twice is refused:
each is a ParseError.
"""

from __future__ import annotations

import codecs
import json
import math
import re

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 64  # the deepest payload the APIs take is 3 levels; 64 leaves room for JSON fields
MAX_NUMBER_CHARS = 64  # a bigint is 20 characters, a decimal column under 30

# A JSON string token (as the decoder reads it), or one bracket outside strings.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Refuse nesting deeper than `limit` without recursing: the decoder's recursion would."""
    depth = 0
    for match in _TOKENS.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > limit:
                raise ParseError(f"JSON nested deeper than {limit} levels.")
        elif char in "]}":
            depth -= 1


def _number(text: str, convert):
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"number longer than {MAX_NUMBER_CHARS} characters")
    value = convert(text)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:20]}")
    return value


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _object(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object whose keys are all different: `{"role": "member", "role": "owner"}` would
    otherwise mean whichever came last, silently (a proxy or a log may have read the first)."""
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise ValueError(f"duplicate key {twice!r}")
    return found


def loads(text: str):
    """Decode a JSON text under the limits above; every refusal is a ValueError or ParseError."""
    check_depth(text)
    return json.loads(
        text,
        parse_int=lambda s: _number(s, int),
        parse_float=lambda s: _number(s, float),
        parse_constant=_refuse_constant,
        object_pairs_hook=_object,
    )


class SafeJSONParser(JSONParser):
    """DRF's JSON parser under the limits of `loads`."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            return loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: a second line of defence
            raise ParseError(f"JSON parse error - {exc}") from None
