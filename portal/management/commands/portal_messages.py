"""`manage.py portal_messages`: update the portal's pt-BR catalogue from portal/ and
templates/portal/ (makemessages sees only one folder tree at a time), then compile it."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

LOCALE = Path(settings.BASE_DIR) / "portal" / "locale"


def gather(into: Path, locale: Path = LOCALE) -> None:
    """Both source trees side by side under `into`, with `locale` (the real one by default)."""
    sources = into / "portal_src"
    sources.mkdir()
    for item in (Path(settings.BASE_DIR) / "portal").iterdir():
        if item.name != "locale":
            (sources / item.name).symlink_to(item)
    (into / "templates_portal").symlink_to(Path(settings.BASE_DIR) / "templates" / "portal")
    (into / "locale").symlink_to(locale)


class Command(BaseCommand):
    help = "Update portal/locale/pt_BR (msgids from portal/ and templates/portal/) and compile it."

    def handle(self, *args: object, **options: object) -> None:
        here = Path.cwd()
        with tempfile.TemporaryDirectory() as folder:
            gather(Path(folder))
            os.chdir(folder)
            try:
                call_command(
                    "makemessages",
                    locale=["pt_BR"],
                    symlinks=True,
                    no_obsolete=True,
                    no_location=True,
                    verbosity=0,
                )
            finally:
                os.chdir(here)
        po = LOCALE / "pt_BR" / "LC_MESSAGES" / "django.po"
        subprocess.run(  # noqa: S603
            ["msgfmt", "--check", "-o", str(po.with_suffix(".mo")), str(po)],  # noqa: S607
            check=True,
        )
        self.stdout.write(f"Updated and compiled {po.relative_to(settings.BASE_DIR)}")
