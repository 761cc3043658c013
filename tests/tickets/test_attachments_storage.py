"""Attachments below the API (issue 14): cleanup on rollback, deletion with the request, filename
hygiene, detection, and the clamd INSTREAM protocol against a real socket server."""

import socket
import struct
import threading

import pytest
from django.db import transaction

from tests.tickets.attachment_samples import (
    LOG,
    PDF,
    attachment_root_fixture,  # noqa: F401 (the fixture attachment_root)
    png_bytes,
    stored_files,
    upload,
)
from tickets import actions
from tickets.attachments import (
    clamd_instream,
    detect_content_type,
    sanitize_filename,
    sweep_rolled_back_files,
)
from tickets.errors import (
    AttachmentCountExceeded,
    AttachmentNotFound,
    AttachmentRefused,
    AttachmentScanUnavailable,
    AttachmentTooLarge,
)
from tickets.models import Attachment, Reply
from tickets.queries import access_attachment_by_id, attachments_for

pytestmark = pytest.mark.usefixtures("attachment_root")
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class Boom(Exception):
    pass


def test_a_rollback_after_the_write_deletes_the_file(ticket, member, attachment_root):
    written = []

    def reply_then_fail() -> None:
        with transaction.atomic():
            actions.ticket_reply(
                ticket=ticket, author=member, message="x", files=[upload("a.png", png_bytes())]
            )
            written.extend(stored_files(attachment_root))  # written before the commit
            raise Boom

    with pytest.raises(Boom):
        reply_then_fail()
    assert len(written) == 1
    assert Reply.objects.filter(ticket=ticket).count() == 0
    assert len(sweep_rolled_back_files()) == 1
    assert stored_files(attachment_root) == []


def test_a_committed_file_stays(
    ticket, member, attachment_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.ticket_reply(
            ticket=ticket, author=member, message="x", files=[upload("a.pdf", PDF)]
        )
    assert sweep_rolled_back_files() == []
    [path] = stored_files(attachment_root)
    assert path.read_bytes() == PDF


def test_a_pending_transaction_keeps_its_files(ticket, member, attachment_root):
    with transaction.atomic():
        actions.ticket_reply(
            ticket=ticket, author=member, message="x", files=[upload("a.pdf", PDF)]
        )
        assert sweep_rolled_back_files() == []  # not decided yet: nothing is deleted
    assert len(stored_files(attachment_root)) == 1


def test_deleting_a_request_deletes_its_files(
    ticket, member, staff, attachment_root, django_capture_on_commit_callbacks
):
    actions.ticket_reply(
        ticket=ticket,
        author=member,
        message="x",
        files=[upload("a.pdf", PDF), upload("b.log", LOG)],
    )
    assert len(stored_files(attachment_root)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        actions.ticket_delete(ticket=ticket, actor=staff)
    assert Attachment.objects.count() == 0
    assert stored_files(attachment_root) == []


def test_actions_apply_the_limits_for_every_door(ticket, member, settings, attachment_root):
    settings.ATTACHMENT_MAX_FILE_BYTES = 100
    with pytest.raises(AttachmentTooLarge):
        actions.ticket_reply(
            ticket=ticket, author=member, message="x", files=[upload("a.log", b"a\n" * 51)]
        )
    with pytest.raises(AttachmentCountExceeded):
        actions.ticket_reply(
            ticket=ticket,
            author=member,
            message="x",
            files=[upload(f"{i}.log", b"a\n") for i in range(11)],
        )
    assert Reply.objects.filter(ticket=ticket).count() == 0
    assert stored_files(attachment_root) == []


def test_query_helpers_hide_internal_files(ticket, org, staff, member):
    actions.ticket_reply(ticket=ticket, author=member, message="x", files=[upload("a.pdf", PDF)])
    actions.ticket_reply(
        ticket=ticket, author=staff, message="note", internal=True, files=[upload("n.log", LOG)]
    )
    public, internal = Attachment.objects.order_by("id")
    assert internal.internal is True
    assert list(attachments_for(ticket, include_internal=False)) == [public]
    assert list(attachments_for(ticket, include_internal=True)) == [public, internal]
    assert access_attachment_by_id(org, public.pk, staff=False) == public
    with pytest.raises(AttachmentNotFound):
        access_attachment_by_id(org, internal.pk, staff=False)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("C:\\Users\\ana\\Desktop\\screen.png", "screen.png"),
        ("../../etc/passwd", "passwd"),
        ("invoice\x00.pdf", "invoice.pdf"),
        ("line\r\nbreak.txt", "line break.txt"),
        ("photo\u202egnp.exe", "photognp.exe"),  # no right-to-left override
        ("...hidden", "hidden"),
        ("", "attachment"),
        ("/", "attachment"),
        ("Relatório de erros 截图.png", "Relatório de erros 截图.png"),
    ],
)
def test_filenames_are_sanitized(sent, kept):
    assert sanitize_filename(sent) == kept


def test_overlong_names_keep_their_extension():
    name = sanitize_filename("a" * 400 + ".pdf", max_chars=150)
    assert len(name) == 150
    assert name.endswith(".pdf")


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (png_bytes(), "x.txt", "image/png"),
        (PDF, "x.png", "application/pdf"),
        (LOG, "php.log", "text/plain"),
        ("Olá, façade\n".encode("cp1252"), "legacy.log", "text/plain"),
        (b"a;b\n1;2\n", "export.csv", "text/csv"),
        (b"<html><body>hi</body></html>", "x.txt", "application/octet-stream"),
        (b"\x00\x01\x02binary", "x.txt", "application/octet-stream"),
    ],
)
def test_detection_reads_the_content(content, name, expected):
    assert detect_content_type(content, name) == expected


class FakeClamd:
    """A real unix-socket server speaking clamd's INSTREAM reply format."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.received: list[bytes] = []
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(4)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read(self, conn: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = conn.recv(size - len(data))
            if not chunk:
                raise ConnectionError
            data += chunk
        return data

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                assert self._read(conn, 10) == b"zINSTREAM\0"
                body = b""
                while (length := struct.unpack("!L", self._read(conn, 4))[0]) != 0:
                    body += self._read(conn, length)
                self.received.append(body)
                verdict = b"Eicar-Test-Signature FOUND" if EICAR in body else b"OK"
                conn.sendall(b"stream: " + verdict + b"\0")

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def clamd(tmp_path, settings):
    server = FakeClamd(str(tmp_path / "clamd.sock"))
    settings.CLAMAV_SOCKET = server.path
    yield server
    server.close()


def test_clamd_instream_protocol(clamd):
    assert clamd_instream(clamd.path, [b"hello ", b"world"]) == "stream: OK"
    assert clamd.received == [b"hello world"]


def test_a_clean_file_is_scanned_and_stored(ticket, member, clamd, attachment_root):
    actions.ticket_reply(ticket=ticket, author=member, message="x", files=[upload("a.log", LOG)])
    assert clamd.received == [LOG]
    assert len(stored_files(attachment_root)) == 1


def test_a_virus_is_refused(ticket, member, clamd, attachment_root):
    with pytest.raises(AttachmentRefused) as refused:
        actions.ticket_reply(
            ticket=ticket, author=member, message="x", files=[upload("eicar.txt", EICAR)]
        )
    assert refused.value.reason == "MIDDAG-SR-ATTACHMENT_INFECTED"
    assert "Eicar-Test-Signature" in refused.value.detail
    assert Reply.objects.filter(ticket=ticket).count() == 0
    assert stored_files(attachment_root) == []


def test_a_silent_scanner_refuses_rather_than_stores(
    ticket, member, settings, tmp_path, attachment_root
):
    settings.CLAMAV_SOCKET = str(tmp_path / "nobody-listens.sock")
    with pytest.raises(AttachmentScanUnavailable):
        actions.ticket_reply(
            ticket=ticket, author=member, message="x", files=[upload("a.log", LOG)]
        )
    assert stored_files(attachment_root) == []
