"""English and Brazilian Portuguese: the profile's language, else the browser's; and a catalogue
in which no portal string lacks its translation (checked against the sources, as CI runs it)."""

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from portal.management.commands.portal_messages import gather

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "portal" / "locale"
PO = LOCALE / "pt_BR" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_the_browsers_language_when_the_profile_has_none(portal_client, member, ticket):
    body = portal_client(member, **{"Accept-Language": "pt-BR,pt;q=0.8,en;q=0.5"}).get(
        "/portal/requests/"
    )
    assert "Solicitações" in body.content.decode()
    assert "Aberta" in body.content.decode()  # the status label too
    assert "Requests" in portal_client(member).get("/portal/requests/").content.decode()


def test_the_profiles_language_wins_over_the_browsers(portal_client, member):
    member.language = "pt-br"
    member.save()
    body = portal_client(member, **{"Accept-Language": "en-US"}).get("/portal/").content.decode()
    assert "Início" in body
    assert 'lang="pt-br"' in body


def test_refusals_read_in_portuguese(portal_client, guest, ticket):
    guest.language = "pt-br"
    guest.save()
    response = portal_client(guest).post(f"/portal/requests/{ticket.pk}/reply/", {"message": "x"})
    assert "Convidados têm acesso somente de leitura." in response.content.decode()


def test_dates_are_shown_in_the_users_time_zone(portal_client, member, ticket):
    member.time_zone = "America/Sao_Paulo"
    member.save()
    body = portal_client(member).get(f"/portal/requests/{ticket.pk}/").content.decode()
    assert ticket.created_at.astimezone().strftime("%z") != "-0300"  # the test server is UTC
    assert "-03:00" in body  # <time datetime="…-03:00">


def test_the_compiled_catalogue_is_the_committed_one(tmp_path):
    """The committed .mo is what the .po compiles to (no system package needed at run time)."""
    if not shutil.which("msgfmt"):
        pytest.fail("gettext (msgfmt) is needed for this check; .ci/run installs it")
    compiled = tmp_path / "check.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(PO)], check=True)  # noqa: S603, S607
    with MO.open("rb") as committed, compiled.open("rb") as fresh:
        assert gettext.GNUTranslations(committed)._catalog == (
            gettext.GNUTranslations(fresh)._catalog
        )


def test_no_portal_string_lacks_its_portuguese_translation(tmp_path, monkeypatch):
    """makemessages over portal/ and templates/portal/ finds no msgid without a msgstr."""
    if not shutil.which("xgettext"):
        pytest.fail("gettext (xgettext) is needed for this check; .ci/run installs it")
    copy = tmp_path / "locale_copy"
    shutil.copytree(LOCALE, copy)  # the check never writes the committed files
    work = tmp_path / "work"
    work.mkdir()
    gather(work, locale=copy)
    monkeypatch.chdir(work)
    call_command(
        "makemessages",
        locale=["pt_BR"],
        symlinks=True,
        no_obsolete=True,
        no_location=True,
        verbosity=0,
    )
    po = copy / "pt_BR" / "LC_MESSAGES" / "django.po"
    untranslated = subprocess.run(  # noqa: S603
        ["msgattrib", "--untranslated", "--no-obsolete", str(po)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fuzzy = subprocess.run(  # noqa: S603
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(po)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # msgattrib repeats the header entry (msgid "") when it prints anything: nothing else may be.
    assert len(re.findall(r"^msgid ", untranslated, re.MULTILINE)) <= 1, untranslated
    assert len(re.findall(r"^msgid ", fuzzy, re.MULTILINE)) <= 1, fuzzy
    assert 'msgid "Sign in"' in po.read_text()  # the sources were read
