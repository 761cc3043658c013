"""Lifecycle endpoints shared by every model with one: the ticket-style history (seed 000) and
the `POST /{id}/{transition}` actions."""

from collections.abc import Callable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.tenancy import is_staff
from audit.actions import entries_for
from config.api import respond
from config.errors import Invalid


class StatusChangeSerializer(serializers.Serializer):
    from_status = serializers.CharField(allow_null=True)
    to_status = serializers.CharField()
    changed_at = serializers.DateTimeField()
    changed_by = serializers.IntegerField(source="changed_by_id", allow_null=True)
    reason = serializers.CharField(allow_blank=True)


class ChangeSerializer(serializers.Serializer):
    """An audit entry in the history: a change that is not a transition (audit.models)."""

    kind = serializers.SerializerMethodField()
    action = serializers.CharField()
    changes = serializers.DictField(child=serializers.ListField())
    changed_at = serializers.DateTimeField(source="created_at")
    changed_by = serializers.IntegerField(source="actor_id", allow_null=True)

    def get_kind(self, entry: Any) -> str:
        return "change"


class HistoryEntrySerializer(StatusChangeSerializer):
    """A row of `?include=changes`: a transition (kind "status") or a change (kind "change")."""

    kind = serializers.ChoiceField(choices=["status", "change"], required=False)
    action = serializers.CharField(required=False)
    changes = serializers.DictField(child=serializers.ListField(), required=False)


INCLUDE_CHANGES = OpenApiParameter(
    "include",
    OpenApiTypes.STR,
    enum=["changes"],
    description="`changes` adds the audit trail (field edits, assignment, rating…) to the "
    "transitions, each row with a `kind`; internal changes only for staff.",
)


class HistoryMixin:
    """Adds `GET /{id}/history`: the object's transitions, oldest first, in seed 000's shape;
    with `?include=changes` also its audit entries (audit.actions.entries_for)."""

    history_related_name = "history"

    @extend_schema(
        responses={200: HistoryEntrySerializer(many=True)},
        request=None,
        parameters=[INCLUDE_CHANGES],
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()
        rows = getattr(obj, self.history_related_name).order_by("changed_at", "id")
        data = StatusChangeSerializer(rows, many=True).data
        include = request.query_params.get("include", "")
        if include not in ("", "changes"):
            raise Invalid("include must be 'changes'.", field="include")
        if include != "changes":
            return Response(data)
        entries = entries_for(obj, staff=is_staff(request.user))
        merged = [{**row, "kind": "status"} for row in data]
        merged += ChangeSerializer(entries, many=True).data
        return Response(sorted(merged, key=lambda row: row["changed_at"]))


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
    summary: str | None = None,
    description: str | None = None,
) -> Callable:
    """A viewset action `POST /{id}/{name}` (hyphenated) that runs the action function `run`.

    `run` is called as `run(<subject>=obj, actor=user, **validated input)`: the action decides
    who may. The answer is the object through the view's `transition_output(obj)` when it has
    one, else through `output`, with `message` in the envelope. `description` documents the
    operation (default: "Staff only: " and the action's docstring).
    """

    def view(self, request: Request, pk: str | None = None) -> Response:
        inp = input_class(data=request.data)
        inp.is_valid(raise_exception=True)
        obj = run(**{subject: self.get_object()}, actor=request.user, **inp.validated_data)
        render = getattr(self, "transition_output", None)
        return respond(render(obj) if render else output(obj).data, message=message)

    view.__name__ = name
    view.__doc__ = description or f"Staff only: {run.__doc__}"
    view = extend_schema(request=input_class, responses={200: output}, summary=summary)(view)
    return action(detail=True, methods=["post"], url_path=name.replace("_", "-"))(view)
