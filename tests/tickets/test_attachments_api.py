"""Attachments through the account API (issue 14): multipart on the three POSTs, listing,
download headers, limits (413/422 in the envelope), cross-organization and internal 404s."""

import hashlib
from urllib.parse import quote

import pytest
from django.db import connection

from tests.conftest import API, assert_envelope
from tests.tickets.attachment_samples import (
    ELF,
    EXE,
    HTML,
    LOG,
    PDF,
    SCRIPT,
    SVG,
    XML_SVG,
    attachment_root_fixture,  # noqa: F401 (the fixture attachment_root)
    png_bytes,
    stored_files,
    upload,
)
from tickets import actions
from tickets.models import Attachment, Reply, Ticket

pytestmark = pytest.mark.usefixtures("attachment_root")

FIELDS = {
    "id",
    "filename",
    "size",
    "content_type",
    "sha256",
    "reply_id",
    "internal",
    "uploaded_by",
    "created_at",
}


def _create(client, entitlement, files, **extra):
    data = {
        "title": "Checkout is broken",
        "description": "See the screenshot.",
        "entitlement_id": entitlement.pk,
        "files": files,
        **extra,
    }
    return client.post(f"{API}/tickets", data, format="multipart")


def _refused(response, status, code, reason=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert_envelope(body, success=False)
    assert body["errors"]["code"] == code
    if reason:
        assert body["errors"]["reason"] == reason
    return body


def test_a_request_with_a_screenshot(member_api, member, env_entitlement, attachment_root):
    png = png_bytes()
    response = _create(member_api, env_entitlement, [upload("screen shot.png", png)])
    assert response.status_code == 201, response.content
    ticket_id = response.json()["data"]["id"]
    listed = member_api.get(f"{API}/tickets/{ticket_id}/attachments")
    assert listed.status_code == 200
    body = listed.json()
    assert_envelope(body, success=True)
    assert body["meta"]["total"] == 1
    [item] = body["data"]
    assert set(item) == FIELDS
    assert item["filename"] == "screen shot.png"
    assert item["content_type"] == "image/png"
    assert item["size"] == len(png)
    assert item["sha256"] == hashlib.sha256(png).hexdigest()
    assert item["reply_id"] is None
    assert item["internal"] is False
    assert item["uploaded_by"] == member.pk
    [path] = stored_files(attachment_root)
    assert path.read_bytes() == png
    # The client's name never names a stored file.
    assert "screen" not in str(path.relative_to(attachment_root))


def test_a_unicode_filename_survives_multipart(member_api, env_entitlement):
    name = "Captura de tela 2026-12-02 às 10.15 – 截图.png"  # noqa: RUF001 (an en dash)
    response = _create(member_api, env_entitlement, [upload(name, png_bytes())])
    assert response.status_code == 201, response.content
    listed = member_api.get(f"{API}/tickets/{response.json()['data']['id']}/attachments")
    assert listed.json()["data"][0]["filename"] == name


def test_json_bodies_keep_working(member_api, env_entitlement, attachment_root):
    response = member_api.post(
        f"{API}/tickets",
        {"title": "No files", "description": "Text only", "entitlement_id": env_entitlement.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Attachment.objects.count() == 0
    assert stored_files(attachment_root) == []


def test_environment_request_with_files(member_api, environment, attachment_root):
    response = member_api.post(
        f"{API}/environments/{environment.pk}/tickets",
        {
            "title": "Backups",
            "description": "Log and invoice attached.",
            "files": [upload("php.log", LOG), upload("invoice.pdf", PDF)],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["data"]["id"])
    types = dict(ticket.attachments.values_list("filename", "content_type"))
    assert types == {"php.log": "text/plain", "invoice.pdf": "application/pdf"}
    assert len(stored_files(attachment_root)) == 2


def test_reply_with_files_lists_them(ticket, member_api, member):
    response = member_api.post(
        f"{API}/tickets/{ticket.pk}/replies",
        {"message": "Here is the export.", "files": [upload("orders.csv", b"id,total\n1,9.90\n")]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    reply = response.json()["data"]
    [attached] = reply["attachments"]
    assert attached["filename"] == "orders.csv"
    assert attached["content_type"] == "text/csv"
    assert attached["reply_id"] == reply["id"]
    listed = member_api.get(f"{API}/tickets/{ticket.pk}/replies").json()["data"]
    assert listed[-1]["attachments"] == [attached]


def test_the_type_comes_from_the_content_not_the_name(member_api, env_entitlement):
    response = _create(member_api, env_entitlement, [upload("notes.txt", png_bytes())])
    assert response.status_code == 201, response.content
    assert Attachment.objects.get().content_type == "image/png"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", EXE),
        ("screenshot.png", ELF),  # an executable named like an image
        ("error.png", HTML),
        ("page.html", HTML),
        ("logo.svg", SVG),
        ("logo.png", XML_SVG),
        ("fix.txt", SCRIPT),
        ("blob.bin", bytes(range(256)) * 4),
    ],
)
def test_refused_types_leave_nothing(member_api, env_entitlement, attachment_root, name, content):
    files = [upload("fine.pdf", PDF), upload(name, content)]
    body = _refused(
        _create(member_api, env_entitlement, files),
        422,
        "VALIDATION_ERROR",
        "MIDDAG-SR-ATTACHMENT_TYPE",
    )
    assert "files" in body["errors"]["fields"]
    assert Ticket.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files(attachment_root) == []


def test_a_refused_reply_file_leaves_no_reply(ticket, member_api, attachment_root):
    response = member_api.post(
        f"{API}/tickets/{ticket.pk}/replies",
        {"message": "Try this", "files": [upload("a.png", png_bytes()), upload("x.exe", EXE)]},
        format="multipart",
    )
    _refused(response, 422, "VALIDATION_ERROR", "MIDDAG-SR-ATTACHMENT_TYPE")
    assert Reply.objects.filter(ticket=ticket).count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files(attachment_root) == []


def test_a_file_over_the_limit_is_413(member_api, env_entitlement, attachment_root, settings):
    settings.ATTACHMENT_MAX_FILE_BYTES = 1000
    files = [upload("small.log", b"a\n" * 400), upload("big.log", b"b\n" * 501)]
    body = _refused(
        _create(member_api, env_entitlement, files),
        413,
        "PAYLOAD_TOO_LARGE",
        "MIDDAG-SR-ATTACHMENT_TOO_LARGE",
    )
    assert "big.log" in body["errors"]["detail"]
    assert "limit of a file" in body["errors"]["detail"]  # stopped while it arrived
    assert Ticket.objects.count() == 0
    assert stored_files(attachment_root) == []


def test_ten_megabytes_pass_and_one_byte_more_is_413(member_api, env_entitlement, attachment_root):
    limit = 10 * 1024 * 1024
    exact = _create(member_api, env_entitlement, [upload("dump.log", b"x" * (limit - 1) + b"\n")])
    assert exact.status_code == 201, exact.content[:300]
    assert Attachment.objects.get().size == limit
    over = _create(member_api, env_entitlement, [upload("dump.log", b"x" * limit + b"\n")])
    _refused(over, 413, "PAYLOAD_TOO_LARGE")
    assert Ticket.objects.count() == 1
    assert len(stored_files(attachment_root)) == 1


def test_a_request_over_the_total_is_413_before_it_is_read(
    member_api, env_entitlement, attachment_root, settings
):
    settings.ATTACHMENT_MAX_REQUEST_BYTES = 5000
    files = [upload(f"part{i}.log", b"z\n" * 1000) for i in range(3)]  # 2,000 bytes each
    body = _refused(_create(member_api, env_entitlement, files), 413, "PAYLOAD_TOO_LARGE")
    assert "5000" in body["errors"]["detail"]
    assert Ticket.objects.count() == 0
    assert stored_files(attachment_root) == []


def test_a_large_form_field_is_413_not_500(member_api, env_entitlement, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _create(member_api, env_entitlement, [], description="d" * 5000)
    _refused(response, 413, "PAYLOAD_TOO_LARGE")


def test_ten_files_pass(member_api, env_entitlement, attachment_root):
    files = [upload(f"log{i}.txt", f"line {i}\n".encode()) for i in range(10)]
    response = _create(member_api, env_entitlement, files)
    assert response.status_code == 201, response.content
    assert Attachment.objects.count() == 10
    assert len(stored_files(attachment_root)) == 10


def test_eleven_files_are_422(member_api, env_entitlement, attachment_root):
    files = [upload(f"log{i}.txt", b"line\n") for i in range(11)]
    body = _refused(
        _create(member_api, env_entitlement, files),
        422,
        "VALIDATION_ERROR",
        "MIDDAG-SR-ATTACHMENT_COUNT",
    )
    assert "10" in body["errors"]["detail"]
    assert Ticket.objects.count() == 0
    assert stored_files(attachment_root) == []


def test_more_parts_than_django_takes_are_422_not_400(member_api, env_entitlement, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 5
    files = [upload(f"log{i}.txt", b"line\n") for i in range(6)]
    _refused(
        _create(member_api, env_entitlement, files),
        422,
        "VALIDATION_ERROR",
        "MIDDAG-SR-ATTACHMENT_COUNT",
    )


def test_a_file_under_another_name_is_refused(member_api, env_entitlement):
    response = member_api.post(
        f"{API}/tickets",
        {
            "title": "t",
            "description": "d",
            "entitlement_id": env_entitlement.pk,
            "screenshot": upload("a.png", png_bytes()),
        },
        format="multipart",
    )
    _refused(response, 422, "VALIDATION_ERROR")
    assert Ticket.objects.count() == 0


def test_download_headers_and_unicode_name(ticket, member_api, member):
    name = 'Relatório – ошибка 截图 "v2".png'  # noqa: RUF001
    png = png_bytes()
    actions.ticket_reply(
        ticket=ticket, author=member, message="Screenshot", files=[upload(name, png)]
    )
    attachment = Attachment.objects.get()
    detail = member_api.get(f"{API}/attachments/{attachment.pk}")
    assert detail.status_code == 200
    assert detail.json()["data"]["filename"] == name
    response = member_api.get(f"{API}/attachments/{attachment.pk}/download")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png
    assert response["Content-Type"] == "image/png"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert '"v2"' not in disposition  # the ASCII fallback cannot break out of its quotes
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    # Whatever the client accepts, the file comes back (no 406).
    pdf_only = member_api.get(
        f"{API}/attachments/{attachment.pk}/download", HTTP_ACCEPT="application/pdf"
    )
    assert pdf_only.status_code == 200


def test_download_handed_to_nginx_when_configured(ticket, member_api, member, settings):
    actions.ticket_reply(ticket=ticket, author=member, message="log", files=[upload("a.log", LOG)])
    attachment = Attachment.objects.get()
    settings.ATTACHMENT_SENDFILE = "x-accel-redirect"
    response = member_api.get(f"{API}/attachments/{attachment.pk}/download")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-attachments/{attachment.file.name}"
    assert response.content == b""
    assert response["Content-Type"] == "text/plain"


def test_another_organizations_attachment_is_404(other_ticket, other_owner, member_api):
    actions.ticket_reply(
        ticket=other_ticket, author=other_owner, message="x", files=[upload("a.pdf", PDF)]
    )
    attachment = Attachment.objects.get()
    for url in (
        f"{API}/attachments/{attachment.pk}",
        f"{API}/attachments/{attachment.pk}/download",
        f"{API}/tickets/{other_ticket.pk}/attachments",
    ):
        response = member_api.get(url)
        assert response.status_code == 404, url
        assert response.json()["errors"]["code"] == "NOT_FOUND"


def test_internal_note_files_are_staff_only(ticket, staff, staff_api, member_api):
    note = staff_api.post(
        f"{API}/tickets/{ticket.pk}/replies",
        {"message": "Server log", "internal": "true", "files": [upload("secret.log", LOG)]},
        format="multipart",
    )
    assert note.status_code == 201, note.content
    [attached] = note.json()["data"]["attachments"]
    assert attached["internal"] is True
    pk = attached["id"]
    assert member_api.get(f"{API}/tickets/{ticket.pk}/attachments").json()["data"] == []
    assert member_api.get(f"{API}/attachments/{pk}").status_code == 404
    assert member_api.get(f"{API}/attachments/{pk}/download").status_code == 404
    replies = member_api.get(f"{API}/tickets/{ticket.pk}/replies").json()["data"]
    assert all(r["attachments"] == [] for r in replies)
    staff_list = staff_api.get(f"{API}/tickets/{ticket.pk}/attachments").json()["data"]
    assert [a["id"] for a in staff_list] == [pk]
    assert staff_api.get(f"{API}/attachments/{pk}/download").status_code == 200


def test_staff_download_view_for_the_admin(ticket, member, superuser, client):
    actions.ticket_reply(ticket=ticket, author=member, message="x", files=[upload("a.pdf", PDF)])
    attachment = Attachment.objects.get()
    url = f"/admin/attachments/{attachment.pk}/download"
    client.force_login(member)
    assert client.get(url).status_code == 302  # to the admin sign-in, no file
    client.force_login(superuser)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get("/admin/attachments/999999/download").status_code == 404


@pytest.mark.postgres
def test_a_database_failure_after_the_file_write_leaves_nothing(
    member_api, env_entitlement, attachment_root
):
    # A real refusal by PostgreSQL on the row insert, after the file was written to storage.
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE tickets_attachment ADD CONSTRAINT test_refuse_rows CHECK (size < 0)"
        )
    files = [upload("a.png", png_bytes()), upload("b.pdf", PDF)]
    response = _create(member_api, env_entitlement, files)
    assert response.status_code == 409, response.content
    assert Ticket.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files(attachment_root) == []
