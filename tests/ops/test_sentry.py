"""Errors reach Sentry when SENTRY_DSN is set: a process of this project, configured only through
the environment, sends an unhandled view error to a Sentry-compatible receiver on loopback."""

from __future__ import annotations

import gzip
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from tests.ops.servers import ROOT, django_env

SCRIPT = """
import django, sentry_sdk
django.setup()
from django.conf import settings
from django.test import Client
settings.ALLOWED_HOSTS = ["testserver"]
client = Client(raise_request_exception=False)
from django.urls import path
def boom(request):
    raise RuntimeError("sentry-probe-error")
import config.urls
config.urls.urlpatterns.insert(0, path("boom/", boom))
response = client.get("/boom/", HTTP_AUTHORIZATION="Bearer secret-bearer-value")
print("status", response.status_code)
sentry_sdk.flush(5)
"""


@pytest.fixture
def receiver() -> Iterator[dict]:
    """A Sentry-compatible endpoint: keeps the body of every envelope posted to it."""
    bodies: list[bytes] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
            bodies.append(data)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"port": server.server_address[1], "bodies": bodies}
    server.shutdown()
    server.server_close()


def test_an_unhandled_error_is_sent_to_sentry_without_credentials(receiver):
    # The probe view reads no table: an in-memory database keeps the result independent of
    # whether the suite's DATABASE_URL names a database that exists (it may not, locally).
    env = django_env(
        SENTRY_DSN=f"http://publickey@127.0.0.1:{receiver['port']}/42",
        DATABASE_URL="sqlite://:memory:",
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "status 500" in result.stdout, result.stderr[-3000:]
    sent = b"".join(receiver["bodies"])
    assert b"sentry-probe-error" in sent
    assert b"secret-bearer-value" not in sent  # send_default_pii=False: no Authorization


def test_no_dsn_no_sentry():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, sentry_sdk; django.setup(); print(sentry_sdk.get_client().is_active())",
        ],
        cwd=ROOT,
        env=django_env(SENTRY_DSN=""),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr[-2000:]
