"""Mailboxes (the password is write-only: never shown, blank keeps it) and inbound mail (read-only,
the full original message for staff)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from config.admin import ModelAdmin, ReadOnlyAdminMixin, admin_link
from mail.models import InboundMessage, Mailbox


class MailboxForm(forms.ModelForm):
    """The password is typed, never displayed; left blank on a change it stays as it was."""

    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text="Write-only: never displayed. Leave blank to keep the stored password.",
    )

    class Meta:
        model = Mailbox
        fields = ("name", "host", "port", "security", "folder", "processed_folder", "username",
                  "password", "is_active")  # fmt: skip

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password") or ""
        if not password:
            if self.instance.pk is None:
                raise forms.ValidationError("A new mailbox needs its password.")
            return self.instance.password
        return password


@admin.register(Mailbox)
class MailboxAdmin(ModelAdmin):
    form = MailboxForm
    list_display = ("name", "username", "host", "port", "security", "folder", "is_active",
                    "last_fetched_at", "last_error")  # fmt: skip
    list_filter = ("is_active", "security")
    search_fields = ("name", "host", "username")
    readonly_fields = ("last_fetched_at", "last_error")


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("received_at", "sender", "subject", "door", "outcome", "reason", "ticket_link")
    list_filter = ("outcome", "door", "mailbox")
    search_fields = ("message_id", "sender", "subject", "ticket__number")
    date_hierarchy = "received_at"
    exclude = ("raw", "html")
    readonly_fields = ("original",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("ticket").defer("raw")

    @admin.display(description="Request")
    def ticket_link(self, obj: InboundMessage) -> str:
        return admin_link(obj.ticket, obj.ticket.number) if obj.ticket else "—"

    @admin.display(description="Original message")
    def original(self, obj: InboundMessage) -> Any:
        raw = bytes(obj.raw or b"")
        return format_html(
            '<pre style="white-space: pre-wrap; max-height: 40em; overflow: auto">{}</pre>',
            raw.decode("utf-8", errors="replace"),
        )
