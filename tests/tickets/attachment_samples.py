"""Files for the attachment tests: real formats, built in memory."""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


def png_bytes() -> bytes:
    """A valid 1x1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", crc)

    header = struct.pack("!IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
LOG = b"2026-12-02 01:00:00 ERROR php: Allowed memory size exhausted\n" * 20
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
XML_SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'
SCRIPT = b"#!/bin/sh\nrm -rf /\n"


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    """An uploaded file as Django hands it to a view (the client's type is not believed)."""
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root) -> list:
    """Every file in the attachments folder."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture(name="attachment_root")
def attachment_root_fixture(settings, tmp_path):
    """STORAGES["attachments"] in a folder of the test's own."""
    root = tmp_path / "attachments"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    settings.CLAMAV_SOCKET = ""
    return root
