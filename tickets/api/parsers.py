"""multipart/form-data for the endpoints that take files (issue 14): the same fields as the JSON
body plus `files` parts, under the attachment limits."""

from __future__ import annotations

from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.request import Request

from config.parsers import SafeJSONParser
from tickets import attachments
from tickets.errors import AttachmentCountExceeded

FILES_FIELD = "files"


class AttachmentMultiPartParser(MultiPartParser):
    """DRF's multipart parser; a body over ATTACHMENT_MAX_REQUEST_BYTES is a 413 before it is
    read, and Django's part limits answer 422 in the envelope instead of a 400 page."""

    def parse(self, stream, media_type=None, parser_context=None):  # type: ignore[no-untyped-def]
        request = (parser_context or {})["request"]
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        attachments.check_request_size(length)
        try:
            return super().parse(stream, media_type, parser_context)
        except TooManyFilesSent:
            raise AttachmentCountExceeded("Too many files in one request.") from None
        except TooManyFieldsSent:
            raise ParseError("Too many form fields.") from None


def upload_parsers() -> list[BaseParser]:
    """JSON (unchanged) or multipart: the parsers of the endpoints that take files."""
    return [SafeJSONParser(), AttachmentMultiPartParser()]


def uploaded_files(request: Request) -> list[UploadedFile]:
    """The `files` parts of a multipart request (none for JSON); a file under any other name
    is refused (422) rather than silently dropped."""
    files = getattr(request, "FILES", None)
    if not files:
        return []
    others = sorted(name for name in files if name != FILES_FIELD)
    if others:
        raise ParseError(f"Send files as `{FILES_FIELD}` parts, not {', '.join(others)}.")
    return files.getlist(FILES_FIELD)
