"""The ticket-style history endpoint (seed 000), shared by every model with a lifecycle."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response


class StatusChangeSerializer(serializers.Serializer):
    from_status = serializers.CharField(allow_null=True)
    to_status = serializers.CharField()
    changed_at = serializers.DateTimeField()
    changed_by = serializers.IntegerField(source="changed_by_id", allow_null=True)
    reason = serializers.CharField(allow_blank=True)


class HistoryMixin:
    """Adds `GET /{id}/history`: the object's transitions, oldest first, in seed 000's shape."""

    history_related_name = "history"

    @extend_schema(responses={200: StatusChangeSerializer(many=True)}, request=None)
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()
        rows = getattr(obj, self.history_related_name).order_by("changed_at", "id")
        return Response(StatusChangeSerializer(rows, many=True).data)
