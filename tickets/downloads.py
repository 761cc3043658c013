"""The staff download of an attachment, for the admin workspace (session sign-in)."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from tickets.attachments import download_response
from tickets.models import Attachment


@require_safe
@staff_member_required
def attachment_admin_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff (signed in to the admin) download any organization's file, internal ones too."""
    try:
        attachment = Attachment.objects.get(pk=pk)
    except Attachment.DoesNotExist:
        raise Http404("No such attachment.") from None
    return download_response(attachment)
