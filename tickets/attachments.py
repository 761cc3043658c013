"""Attachments (issue 14): limits, type detection, filename hygiene, virus scan, storage, cleanup.

Every door (the account API, the admin workspace, the portal, inbound e-mail) checks files with
`check_files()` before anything is written, then the action stores them with `store()` inside its
transaction. Files are written before the commit; one whose transaction (or savepoint) rolls back
is deleted again by `sweep_rolled_back_files()`, which runs when each request finishes, so a
failed upload leaves nothing behind. The type is detected from the content with `filetype` (magic
numbers, no native library), never taken from the client's name or Content-Type.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
import struct
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.dispatch import receiver
from django.http import FileResponse, HttpResponse
from django.urls import reverse

from accounts.models import User
from tickets.errors import (
    AttachmentCountExceeded,
    AttachmentRefused,
    AttachmentScanUnavailable,
    AttachmentTooLarge,
    Reason,
)
from tickets.models import Attachment, Reply, Ticket, attachment_storage

logger = logging.getLogger("tickets.attachments")

HEAD_BYTES = 8192  # what filetype reads; also what the text check looks at
CHUNK = 64 * 1024
TEXT_TYPES = ("text/plain", "text/csv")
# Markup a browser would render (or sniff) as a page or an image with scripts.
_MARKUP = re.compile(
    rb"^(?:<!doctype|<html|<\?xml|<svg|<script|<head|<body|<iframe|<object|<embed|<!--)",
    re.IGNORECASE,
)
_WHITESPACE = re.compile(r"\s+")
# Control characters a log or CSV file legitimately holds: tab, newlines, form feed, escape.
_TEXT_CONTROLS = {0x09, 0x0A, 0x0C, 0x0D, 0x1B}


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check, with what the Attachment row records."""

    upload: UploadedFile
    filename: str
    size: int
    content_type: str
    sha256: str


# Limits ---------------------------------------------------------------------------------------


def max_file_bytes() -> int:
    """The largest file a message takes (ATTACHMENT_MAX_FILE_BYTES, 10 MB)."""
    return settings.ATTACHMENT_MAX_FILE_BYTES


def check_request_size(content_length: int | None) -> None:
    """A request body over ATTACHMENT_MAX_REQUEST_BYTES (100 MB) is refused before it is read."""
    limit = settings.ATTACHMENT_MAX_REQUEST_BYTES
    if content_length is not None and content_length > limit:
        raise AttachmentTooLarge(
            f"The request is {content_length} bytes; at most {limit} bytes are accepted."
        )


def check_count(count: int) -> None:
    """A message takes at most ATTACHMENT_MAX_FILES files (10)."""
    if count > settings.ATTACHMENT_MAX_FILES:
        raise AttachmentCountExceeded(
            f"{count} files sent; a message takes at most {settings.ATTACHMENT_MAX_FILES}."
        )


# Filenames and types --------------------------------------------------------------------------


def sanitize_filename(name: str | None, max_chars: int | None = None) -> str:
    """The name a person sees: no folders, no control or invisible format characters, no
    leading dots, whitespace collapsed, at most `max_chars` characters with the extension kept."""
    max_chars = max_chars or settings.ATTACHMENT_MAX_FILENAME_CHARS
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]  # a browser or mail client may send a whole path
    # C*: control characters, format characters such as U+202E (right-to-left override, which
    # makes "gpj.exe" read as "exe.jpg"), surrogates, private use, unassigned code points.
    kept = []
    for char in name:
        category = unicodedata.category(char)
        if category[0] == "Z" or char in "\t\r\n":  # any space or separator: one space
            kept.append(" ")
        elif category[0] != "C":
            kept.append(char)
    name = "".join(kept)
    name = _WHITESPACE.sub(" ", name).strip().lstrip(".").strip()
    if len(name) > max_chars:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 16 else ""
        name = stem[: max_chars - len(ext)].rstrip() + ext
    return name or "attachment"


def _text_type(head: bytes, filename: str) -> str | None:
    """text/plain or text/csv for readable text (UTF-8 or a single-byte charset), None for
    binary data, markup (HTML, SVG, XML) or a script with a `#!` line."""
    if b"\x00" in head:
        return None
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n\x0c")
    if _MARKUP.match(stripped) or stripped.startswith(b"#!"):
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The head may end inside a character; anything earlier means another charset.
        text = head.decode("utf-8", errors="ignore") if exc.start >= len(head) - 3 else None
    if text is None:
        text = head.decode("latin-1")
    if any(ord(c) < 0x20 and ord(c) not in _TEXT_CONTROLS for c in text):
        return None
    return "text/csv" if filename.lower().endswith(".csv") else "text/plain"


def detect_content_type(head: bytes, filename: str = "") -> str:
    """The type of the content by its magic numbers (filetype), or text by inspection;
    "application/octet-stream" when neither knows it. The filename only tells CSV from text."""
    kind = filetype.guess(head[:HEAD_BYTES]) if head else None
    if kind is not None:
        return kind.mime
    return _text_type(head[:HEAD_BYTES], filename) or "application/octet-stream"


def _read_head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks(CHUNK):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def check_files(files: Sequence[UploadedFile]) -> list[CheckedFile]:
    """Every file of one message within the limits, of an allowed type, clean: or nothing
    (413 too large, 422 too many or a refused type or a virus, 503 scanner down)."""
    check_count(len(files))
    limit = max_file_bytes()
    checked = []
    for upload in files:
        filename = sanitize_filename(upload.name)
        if upload.size > limit:
            raise AttachmentTooLarge(
                f"{filename} is {upload.size} bytes; a file may have at most {limit} bytes."
            )
        content_type = detect_content_type(_read_head(upload), filename)
        if content_type not in settings.ATTACHMENT_ALLOWED_TYPES:
            raise AttachmentRefused(
                f"{filename}: files of type {content_type} are not accepted (detected from "
                "the content). Send images, PDF, text, logs, CSV, zip/gzip or office documents."
            )
        scan(upload, filename)
        checked.append(CheckedFile(upload, filename, upload.size, content_type, _sha256(upload)))
    return checked


def prepare(files: Sequence[UploadedFile | CheckedFile] | None) -> list[CheckedFile]:
    """The files an action was given, checked (those a caller checked already pass through)."""
    files = list(files or ())
    check_count(len(files))
    unchecked = [f for f in files if not isinstance(f, CheckedFile)]
    done = iter(check_files(unchecked))
    return [f if isinstance(f, CheckedFile) else next(done) for f in files]


# Virus scan (clamd) ---------------------------------------------------------------------------


def clamd_instream(path: str, chunks: Iterable[bytes], *, timeout: float = 30.0) -> str:
    """clamd's INSTREAM over a unix socket: `zINSTREAM\\0`, the data as length-prefixed chunks,
    a zero length; the reply, e.g. "stream: OK" or "stream: Eicar-Test-Signature FOUND"."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(path)
        sock.sendall(b"zINSTREAM\0")
        for chunk in chunks:
            if chunk:
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
        sock.sendall(struct.pack("!L", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            data = sock.recv(4096)
            if not data:
                break
            reply += data
    return reply.rstrip(b"\0").decode("utf-8", errors="replace").strip()


def scan(upload: UploadedFile, filename: str) -> None:
    """When CLAMAV_SOCKET is set, clamd must call the file clean: a virus is a 422; a scanner
    that does not answer is a 503 (nothing unscanned is stored)."""
    path = settings.CLAMAV_SOCKET
    if not path:
        return
    upload.seek(0)
    try:
        reply = clamd_instream(path, upload.chunks(CHUNK), timeout=settings.CLAMAV_TIMEOUT)
    except OSError as exc:
        logger.error("clamd at %s unreachable: %s", path, exc)
        raise AttachmentScanUnavailable() from None
    finally:
        upload.seek(0)
    if reply.endswith("FOUND"):
        logger.warning("clamd refused %s: %s", filename, reply)
        raise AttachmentRefused(
            f"{filename} was refused by the virus scanner ({reply.removeprefix('stream: ')}).",
            reason=Reason.ATTACHMENT_INFECTED,
        )
    if not reply.endswith("OK"):
        logger.error("clamd could not scan %s: %r", filename, reply)
        raise AttachmentScanUnavailable()


# Storage and its cleanup ----------------------------------------------------------------------


def _ledger(using: str) -> dict[str, object]:
    """Files written in this connection's open transactions: storage name -> keeper callback."""
    connection = connections[using]
    if not hasattr(connection, "attachment_files"):
        connection.attachment_files = {}
    return connection.attachment_files


def _committed(using: str, name: str) -> None:
    _ledger(using).pop(name, None)


def _track(name: str, using: str) -> None:
    """Remember a written file until its transaction commits. Django drops the on_commit
    callbacks of a savepoint or transaction that rolls back: a file whose keeper is gone
    without having run belongs to a rollback (see sweep_rolled_back_files)."""
    keeper = partial(_committed, using, name)
    _ledger(using)[name] = keeper
    transaction.on_commit(keeper, using=using)


def _delete_quietly(name: str) -> None:
    try:
        attachment_storage().delete(name)
    except Exception:  # a file left behind must not turn a finished request into a 500
        logger.exception("Could not delete attachment file %s", name)


def sweep_rolled_back_files(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Delete the files written in transactions or savepoints that rolled back; return their
    names. Runs when every request finishes; commands that store files call it when done."""
    ledger = _ledger(using)
    if not ledger:
        return []
    # Django keeps (savepoint ids, callback, robust) for each pending on_commit callback, and
    # removes those of a rolled-back savepoint or transaction: that is the rollback hook.
    pending = {id(entry[1]) for entry in connections[using].run_on_commit}
    swept = [name for name, keeper in ledger.items() if id(keeper) not in pending]
    for name in swept:
        del ledger[name]
        _delete_quietly(name)
    if swept:
        logger.info("Deleted %d attachment file(s) of a rolled-back transaction", len(swept))
    return swept


@receiver(request_finished, dispatch_uid="tickets.attachments.sweep")
def _sweep_after_request(sender: object, **kwargs: object) -> None:
    for alias in connections:
        if hasattr(connections[alias], "attachment_files"):
            sweep_rolled_back_files(alias)


def store(
    *,
    ticket: Ticket,
    files: Sequence[CheckedFile],
    uploader: User | None,
    reply: Reply | None = None,
    internal: bool = False,
) -> list[Attachment]:
    """Write checked files and their rows, inside the caller's transaction: a rollback deletes
    the files again. An internal note's files are internal."""
    stored = []
    for checked in files:
        attachment = Attachment(
            organization_id=ticket.organization_id,
            ticket=ticket,
            reply=reply,
            filename=checked.filename,
            size=checked.size,
            content_type=checked.content_type,
            sha256=checked.sha256,
            internal=internal or bool(reply and reply.internal),
            uploaded_by=uploader,
        )
        checked.upload.seek(0)
        attachment.file.save(checked.filename, checked.upload, save=False)
        _track(attachment.file.name, DEFAULT_DB_ALIAS)
        attachment.save()
        stored.append(attachment)
    return stored


def delete_files_on_commit(names: Iterable[str]) -> None:
    """Delete stored files once the deletion of their rows commits (a rollback keeps both)."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: [_delete_quietly(name) for name in names])


# Downloads ------------------------------------------------------------------------------------


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the exact name as RFC 5987 `filename*`."""
    fallback = (
        unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode() or "attachment"
    )
    fallback = re.sub(r'["\\\x00-\x1f\x7f;]', "_", fallback)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_response(attachment: Attachment) -> HttpResponse:
    """The file as a download: stored type, nosniff, private caching; streamed by the app, or
    handed to the web server when ATTACHMENT_SENDFILE says so. The caller checked access."""
    mode = settings.ATTACHMENT_SENDFILE
    if mode == "x-accel-redirect":
        response = HttpResponse(content_type=attachment.content_type)
        prefix = settings.ATTACHMENT_SENDFILE_PREFIX.rstrip("/")
        response["X-Accel-Redirect"] = f"{prefix}/{quote(attachment.file.name)}"
    elif mode == "x-sendfile":
        response = HttpResponse(content_type=attachment.content_type)
        response["X-Sendfile"] = attachment_storage().path(attachment.file.name)
    else:
        # FileResponse streams the file in blocks and closes it when the response is done.
        handle = attachment_storage().open(attachment.file.name, "rb")
        response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition(attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # A file opened in the browser anyway runs nothing: no scripts, no plugins, no frames.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def download_url(attachment: Attachment, *, admin: bool = False) -> str:
    """Where a page links a file: the staff view (admin) or the account API's download."""
    if admin:
        return reverse("attachment-admin-download", args=[attachment.pk])
    return reverse("attachment-download", args=[attachment.pk])
