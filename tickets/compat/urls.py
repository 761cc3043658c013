"""The two compatibility APIs under /api/v1/ (seeds 002 and 003)."""

from django.urls import re_path

from tickets.compat import helpdesk, isp

ID = r"(?P<pk>\d{1,18})"

urlpatterns = [
    # Seed 002: the ISP back office's ticket API.
    re_path(r"^tickets/?$", isp.IspTicketsView.as_view(), name="isp-tickets"),
    re_path(rf"^tickets/{ID}/?$", isp.IspTicketView.as_view(), name="isp-ticket"),
    re_path(rf"^tickets/{ID}/reply/?$", isp.IspReplyView.as_view(), name="isp-ticket-reply"),
    re_path(rf"^tickets/{ID}/status/?$", isp.IspStatusView.as_view(), name="isp-ticket-status"),
    # Seed 003: the helpdesk's ticket API.
    re_path(r"^raise_ticket/?$", helpdesk.RaiseTicketView.as_view(), name="helpdesk-raise"),
    re_path(
        r"^get_tickets/(?P<user_id>[^/]+)(?:/(?P<status>[^/]*))?(?:/(?P<assigned_admin>[^/]*))?/?$",
        helpdesk.GetTicketsView.as_view(),
        name="helpdesk-tickets",
    ),
    re_path(r"^send_message/?$", helpdesk.SendMessageView.as_view(), name="helpdesk-message"),
    re_path(
        r"^get_ticket_details/(?P<ticket_id>[^/]+)/?$",
        helpdesk.TicketDetailsView.as_view(),
        name="helpdesk-details",
    ),
    re_path(
        r"^close_ticket/(?P<ticket_id>[^/]+)/?$",
        helpdesk.CloseTicketView.as_view(),
        name="helpdesk-close",
    ),
    re_path(
        r"^assign_ticket_to_admin/?$", helpdesk.AssignTicketView.as_view(), name="helpdesk-assign"
    ),
    re_path(r"^reopen_ticket/?$", helpdesk.ReopenTicketView.as_view(), name="helpdesk-reopen"),
    re_path(r"^ticket_rating/?$", helpdesk.TicketRatingView.as_view(), name="helpdesk-rating"),
]
