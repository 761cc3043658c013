"""Lifecycle endpoints shared by every model with one: the ticket-style history (seed 000) and
the `POST /{id}/{transition}` actions."""

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import respond


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


class TransitionInput(serializers.Serializer):
    """The optional body of every `POST /{id}/{transition}`."""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


def transition_action(
    name: str,
    *,
    run: Callable[..., Any],
    subject: str,
    output: type[serializers.Serializer],
    message: str,
    input_class: type[serializers.Serializer] = TransitionInput,
) -> Callable:
    """A viewset action `POST /{id}/{name}` (hyphenated) that runs the action function `run`.

    `run` is called as `run(<subject>=obj, actor=user, **validated input)`; the answer is the
    object through `output`, with `message` in the envelope.
    """

    def view(self, request: Request, pk: str | None = None) -> Response:
        inp = input_class(data=request.data)
        inp.is_valid(raise_exception=True)
        obj = run(**{subject: self.get_object()}, actor=request.user, **inp.validated_data)
        return respond(output(obj).data, message=message)

    view.__name__ = name
    view.__doc__ = f"Staff only: {run.__doc__}"
    view = extend_schema(request=input_class, responses={200: output})(view)
    return action(detail=True, methods=["post"], url_path=name.replace("_", "-"))(view)
