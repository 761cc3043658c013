from django.urls import re_path

from config.routers import Router
from tickets.api import views

router = Router()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("attachments", views.AttachmentViewSet, basename="attachment")

urlpatterns = [
    re_path(
        r"^environments/(?P<environment_pk>\d+)/tickets/?$",
        views.EnvironmentTicketViewSet.as_view({"get": "list", "post": "create"}),
        name="environment-tickets",
    ),
    re_path(
        r"^services/(?P<service_pk>\d+)/tickets/?$",
        views.ServiceTicketViewSet.as_view({"get": "list"}),
        name="service-tickets",
    ),
    *router.urls,
]
