"""Reply addresses and thread ids: `desk+SR-20260042.k3m9x2q7ta@domain` names a request and
carries an HMAC of its id under SECRET_KEY, so it cannot be guessed or forged.

The token is base32 (lower case, digits 2-7): an MTA or a client that changes the case of the
local part changes nothing. Ten characters are 50 bits: far beyond guessing by mail.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from email.utils import getaddresses

from django.conf import settings
from django.utils.encoding import force_bytes

TOKEN_LENGTH = 10
_SALT = "mail.addresses.reply"
_LOCAL = re.compile(r"^(?P<base>[^+]+)\+(?P<number>[A-Za-z]+-\d+)\.(?P<token>[a-z2-7]+)$", re.I)


@dataclass(frozen=True)
class ReplyTarget:
    """What a reply address names: a request number and the token that came with it."""

    number: str
    token: str


def _desk() -> tuple[str, str]:
    """The main address's local part (or MAIL_REPLY_LOCAL_PART) and its domain."""
    local, _, domain = settings.INBOUND_EMAIL_ADDRESS.rpartition("@")
    return (settings.MAIL_REPLY_LOCAL_PART or local or "desk"), domain.lower()


def token_for(ticket_id: int, secret: str | None = None) -> str:
    """The HMAC of the request's id under SECRET_KEY, short and case-insensitive."""
    key = hashlib.sha256(force_bytes(_SALT + (secret or settings.SECRET_KEY))).digest()
    digest = hmac.new(key, force_bytes(ticket_id), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:TOKEN_LENGTH]


def token_valid(ticket_id: int, token: str) -> bool:
    """Whether the token is the request's under SECRET_KEY or one of SECRET_KEY_FALLBACKS (a
    rotated key keeps the addresses already sent working until it is dropped); any case."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    token = token.lower()
    return any(hmac.compare_digest(token_for(ticket_id, s), token) for s in secrets)


def reply_address(ticket_id: int, number: str) -> str:
    """The address a reply about this request goes to: desk+SR-20260042.<hmac>@domain."""
    local, domain = _desk()
    return f"{local}+{number}.{token_for(ticket_id)}@{domain}"


def root_message_id(ticket_id: int, number: str) -> str:
    """The thread's root Message-ID: every mail about the request refers to it."""
    _, domain = _desk()
    return f"<{number}.{token_for(ticket_id)}@{domain}>"


def is_desk_address(address: str) -> bool:
    """Whether the address is the desk's main address (any case)."""
    return address.strip().lower() == settings.INBOUND_EMAIL_ADDRESS.strip().lower()


def reply_target(address: str) -> ReplyTarget | None:
    """The request a plus-address on the desk's domain names (token unchecked), or None."""
    local, _, domain = address.strip().rpartition("@")
    if domain.lower() != _desk()[1]:
        return None
    match = _LOCAL.match(local)
    if match is None or match["base"].lower() != _desk()[0].lower():
        return None
    return ReplyTarget(number=match["number"].upper(), token=match["token"].lower())


def addresses_in(*headers: str | None) -> list[str]:
    """The bare addresses in address headers (To, Cc, Delivered-To ...), in order, once each."""
    found: list[str] = []
    for _name, address in getaddresses([h for h in headers if h]):
        address = address.strip()
        if "@" in address and address.lower() not in (a.lower() for a in found):
            found.append(address)
    return found
