"""What the operators' commands share: `--org` resolved through the one tenancy rule."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import tenancy
from accounts.models import Organization
from config.errors import NotFound


class OrgCommand(BaseCommand):
    """A command that may be narrowed to one organization with `--org <id>`.

    The command acts as the system (staff), so any organization may be named, active or not, as
    in every other door through `accounts.tenancy.staff_org`; an unknown id is an error, never a
    silent run over nothing.
    """

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", type=int, help="Only this organization id.")

    def organization(self, org_id: int | None) -> Organization | None:
        """The organization `--org` names, or None for every organization."""
        if org_id is None:
            return None
        try:
            return tenancy.staff_org(None, org_id)
        except NotFound as exc:
            raise CommandError(str(exc)) from None
