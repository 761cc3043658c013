"""Fixtures of the e-mail tests: the desk's addresses, a request, .eml samples from real clients."""

import importlib
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps

from accounts.models import User
from tests.factories import EntitlementFactory, EnvironmentFactory
from tickets import actions
from tickets.models import Ticket
from tickets.reply_addresses import reply_address

EML = Path(__file__).parent / "eml"
DESK = "desk@middag.example"


@pytest.fixture(autouse=True)
def _desk(settings, db):
    """The desk's address, mail kept in django's outbox, the migration's SLA targets."""
    settings.INBOUND_EMAIL_ADDRESS = DESK
    settings.MAIL_REPLY_LOCAL_PART = ""
    settings.MAIL_INBOUND_RATE = "20/h"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    seed = importlib.import_module(
        "tickets.migrations.0001_squashed_0005_ticket_org_status_priority_index"
    )
    seed.seed(apps, None)


@pytest.fixture
def env_entitlement(org):
    entitlement = EntitlementFactory(organization=org, entitlement_class="ENV")
    EnvironmentFactory(entitlement=entitlement, organization=org)
    return entitlement


@pytest.fixture
def ticket(member, env_entitlement) -> Ticket:
    return actions.ticket_create(
        actor=member,
        title="SSL Certificate Renewal",
        description="The certificate expires soon.",
        entitlement=env_entitlement,
    )


def eml(name: str, *, sender: str | User, to: str) -> bytes:
    """A sample message with its sender and recipient filled in."""
    sender = sender.email if isinstance(sender, User) else sender
    raw = (EML / name).read_bytes()
    return raw.replace(b"%FROM%", sender.encode()).replace(b"%TO%", to.encode())


@pytest.fixture
def sample() -> Callable[..., bytes]:
    return eml


@pytest.fixture
def reply_to() -> Callable[[Ticket], str]:
    return lambda ticket: reply_address(ticket.pk, ticket.number)


def message(
    *, sender: str, to: str, body: str = "Hello", message_id: str = "", headers: str = ""
) -> bytes:
    """A small plain-text message."""
    mid = message_id or f"<{uuid.uuid4().hex}@client.example>"
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Re: something\r\nMessage-ID: {mid}\r\n"
        f"{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()
