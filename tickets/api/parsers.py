"""multipart/form-data for the endpoints that take files (issue 14): the same fields as the JSON
body plus `files` parts, under the attachment limits."""

from __future__ import annotations

from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.request import Request

from config.parsers import SafeJSONParser
from tickets import attachments
from tickets.errors import AttachmentCountExceeded, AttachmentTooLarge

FILES_FIELD = "files"


class FileSizeLimitHandler(FileUploadHandler):
    """Stops at the first file part over ATTACHMENT_MAX_FILE_BYTES, while it arrives: nothing
    over the limit is spooled to memory or disk (413). Passes the data on to Django's handlers."""

    def new_file(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        limit = attachments.max_file_bytes()
        if self.received > limit:
            name = attachments.sanitize_filename(self.file_name)
            raise AttachmentTooLarge(f"{name} is over {limit} bytes, the limit of a file.")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file


class AttachmentMultiPartParser(MultiPartParser):
    """DRF's multipart parser; a body over ATTACHMENT_MAX_REQUEST_BYTES is a 413 before it is
    read, a file over its limit a 413 as soon as it passes it, and Django's part limits answer
    422 in the envelope instead of a 400 page."""

    def parse(self, stream, media_type=None, parser_context=None):  # type: ignore[no-untyped-def]
        request = (parser_context or {})["request"]
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        attachments.check_request_size(length)
        request.upload_handlers.insert(0, FileSizeLimitHandler(request._request))
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
