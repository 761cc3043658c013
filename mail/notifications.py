"""Mail of the e-mail door itself: the polite answer to a member who wrote to the desk address
without naming an environment. Registered with tickets.notifications (MailConfig.ready), so the
outbox task sends it like every other notification."""

from __future__ import annotations

from accounts.models import User
from accounts.tenancy import live_memberships
from entitlements.models import Entitlement, EntitlementClass
from mail.models import InboundMessage
from tickets import notifications


@notifications.register
def which_environment(inbound_id: int) -> None:
    """To a member who mailed the desk: no request opened, name the environment (or there is none).

    Sent once per inbound message; never to an automatic sender (mail.inbound filters those)."""
    inbound = InboundMessage.objects.filter(pk=inbound_id).first()
    if inbound is None or not inbound.sender:
        return
    user = User.objects.filter(email__iexact=inbound.sender, is_active=True).first()
    orgs = live_memberships().filter(user=user).values("organization_id") if user else []
    codes = sorted(
        Entitlement.objects.filter(
            organization_id__in=orgs,
            entitlement_class=EntitlementClass.ENV,
            status=Entitlement.Status.ACTIVE,
        ).values_list("code", flat=True)
    )
    subject = f"Re: {notifications.clean_header(inbound.subject) or 'your message'}"
    text, html = notifications._render(
        "which_environment",
        subject,
        None,
        name=notifications.clean_header(user.name if user else "", 100),
        codes=codes if len(codes) > 1 else [],
        subject_line=notifications.clean_header(inbound.subject),
    )
    headers = {"Auto-Submitted": "auto-replied"}
    if inbound.message_id.startswith("<"):
        headers.update({"In-Reply-To": inbound.message_id, "References": inbound.message_id})
    notifications._send(subject, text, [inbound.sender], html=html, headers=headers)
