"""The README's curl examples run as written against `make run`'s demo data.

Every ```sh block of the README that calls the API (`curl … 127.0.0.1:8000`) is run, in order, in
one bash session against a live server loaded with the demo data; only the address changes. Each
call must answer success in its API's own format: a newcomer copying the README meets no error.
"""

import importlib
import json
import re
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

README = Path(__file__).resolve().parent.parent / "README.md"
ADDRESS = "http://127.0.0.1:8000"


def _blocks() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.S)
    return [block for block in blocks if "curl" in block and ADDRESS in block]


def _script(base_url: str) -> str:
    """The blocks as one script; each top-level curl's answer on a line of its own."""
    lines = []
    for block in _blocks():
        for command in block.replace("\\\n", " ").splitlines():
            command = command.strip()
            if not command or command.startswith("#"):
                continue
            lines.append(f"{command}; echo" if command.startswith("curl ") else command)
    return "set -euo pipefail\n" + "\n".join(lines).replace(ADDRESS, base_url)


def _succeeded(answer: dict) -> bool:
    """Success in the account API's envelope, the ISP API's or the helpdesk API's format."""
    return answer.get("success") is True or answer.get("status") == "success"


def test_the_readme_has_examples_for_every_api():
    script = _script(ADDRESS)
    for door in ("/wp-json/middag-account/v1/", "/api/v1/tickets", "/api/v1/raise_ticket"):
        assert door in script


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_the_readme_examples_run_against_the_demo_data(live_server):
    # A transactional test starts from flushed tables: seed what the migration seeds (SLA targets,
    # ticket categories), as `make run`'s fresh database has them, then the demo.
    seed = importlib.import_module(
        "tickets.migrations.0001_squashed_0005_ticket_org_status_priority_index"
    )
    seed.seed(apps, None)
    call_command("load_demo", stdout=StringIO())
    result = subprocess.run(  # noqa: S603
        ["bash", "-c", _script(live_server.url)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(answers) >= 5
    failed = [answer for answer in answers if not _succeeded(answer)]
    assert not failed, failed
