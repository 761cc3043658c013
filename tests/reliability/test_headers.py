"""Every HTML page carries a strict Content-Security-Policy; the docs keep COOP same-origin; a
forwarded protocol header is believed only behind a proxy (issue 17, point 5)."""

import re

import pytest

from tests.helpers import production_env, run_python

pytestmark = pytest.mark.django_db

PAGES = [
    "/api/docs/",
    "/admin/login/",
    "/admin/",
    "/admin/tickets/ticket/",
    "/admin/tickets/ticket/add/",
    "/admin/entitlements/entitlement/add/",
    "/admin/environments/environment/",
    "/admin/services/service/",
    "/admin/audit/auditentry/",
]


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize("path", PAGES)
def test_every_html_page_has_a_strict_policy_and_no_inline_script(client, superuser, path):
    if path != "/admin/login/":
        client.force_login(superuser)
    response = client.get(path)
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" not in policy["script-src"]
    # The admin's theme (django-unfold) runs Alpine.js, which evaluates its attribute expressions:
    # eval is allowed under /admin/ only (config/csp.py); inline scripts still need the nonce.
    assert ("'unsafe-eval'" in policy["script-src"]) == path.startswith("/admin/")
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    nonces = {v[len("'nonce-") : -1] for v in policy["script-src"] if v.startswith("'nonce-")}
    for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
        nonce = re.search(r'nonce="([^"]+)"', tag)
        assert "src=" in tag or (nonce and nonce.group(1) in nonces), tag


def test_the_docs_keep_the_sites_opener_policy_and_serve_their_script_as_a_file(client):
    page = client.get("/api/docs/")
    assert page["Cross-Origin-Opener-Policy"] == "same-origin"
    assert re.search(r'<script src="/api/docs/\?script', page.content.decode())
    script = client.get("/api/docs/?script")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.parametrize(
    ("proxies", "trusted"), [("0", "None"), ("1", "('HTTP_X_FORWARDED_PROTO', 'https')")]
)
def test_forwarded_protocol_is_believed_only_behind_a_proxy(tmp_path, proxies, trusted):
    code = "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER)"
    result = run_python(
        "manage.py", "shell", "-c", code, env=production_env(tmp_path, NUM_PROXIES=proxies)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == trusted
