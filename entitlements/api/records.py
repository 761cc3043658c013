"""The API of records under an entitlement (environments, services), written once.

Clients read their organization's records; staff also create, edit and move them. An app's
viewset extends `EntitlementRecordViewSet` and names its model, serializers and actions; its
serializers extend `RecordSerializer` (output) and `RecordInput` / `EntitlementInput` (staff
input), whose fields come from the app's `RecordKind` so the editable fields are listed once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from django.db import models
from django.db.models import QuerySet
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import (
    COMPANY_HEADER_PARAMETER,
    ORG_HEADER_PARAMETER,
    OrgScopedViewSet,
    ScopedIdField,
)
from accounts.history import HistoryMixin, transition_action
from accounts.schema import register_component
from config.api import respond
from config.serializers import RefusedFieldsMixin
from entitlements.api.filters import ListFilterBackend
from entitlements.models import Entitlement
from entitlements.records import RecordKind, with_article


def list_fields(*own: str) -> list[str]:
    """A record's list item: id, name and status, its own fields, its entitlement and
    organization, and when it was created."""
    return [
        "id",
        "name",
        "status",
        *own,
        "entitlement_id",
        "entitlement_code",
        "organization_id",
        "created_at",
    ]


def input_fields(kind: RecordKind) -> list[str]:
    """The API names of the kind's editable fields, in order: a relation as `<name>_id`."""
    return [
        f"{name}_id" if kind.model._meta.get_field(name).is_relation else name
        for name in kind.editable
    ]


METADATA_SCHEMA = {
    "type": "object",
    "additionalProperties": {},
    "description": "A JSON object of free keys (never null: send {} to clear it).",
}


class MetadataField(serializers.JSONField):
    """`metadata`: a JSON object; anything else (a list, a string, null) is a 422."""

    default_error_messages = {"not_object": "metadata must be a JSON object."}

    def to_internal_value(self, data: Any) -> dict:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_object")
        return value


class MetadataFieldSchema(OpenApiSerializerFieldExtension):
    """`metadata` is one component (`Metadata`), so a generator makes one class of it."""

    target_class = MetadataField

    def map_serializer_field(self, auto_schema, direction):  # type: ignore[no-untyped-def]
        return register_component(auto_schema, "Metadata", METADATA_SCHEMA)


# Model serializers of entitlements and records: their JSONField is `metadata`.
SERIALIZER_FIELD_MAPPING = {
    **serializers.ModelSerializer.serializer_field_mapping,
    models.JSONField: MetadataField,
}


class RecordSerializer(serializers.ModelSerializer):
    """Output of a record: every field read-only, the entitlement and organization by id."""

    serializer_field_mapping = SERIALIZER_FIELD_MAPPING

    entitlement_id = serializers.IntegerField(read_only=True)
    entitlement_code = serializers.CharField(source="entitlement.code", read_only=True)
    organization_id = serializers.IntegerField(read_only=True)

    def get_extra_kwargs(self) -> dict[str, dict[str, Any]]:
        extra = super().get_extra_kwargs()
        for name in self.Meta.fields:
            extra.setdefault(name, {})["read_only"] = True
        return extra


class RecordInput(RefusedFieldsMixin, serializers.ModelSerializer):
    """Staff input of a record's editable fields; never the status, entitlement or organization."""

    serializer_field_mapping = SERIALIZER_FIELD_MAPPING

    @property
    def fixed_fields(self) -> dict[str, str]:
        """Sent by mistake, these would be silently ignored: say why they are refused instead."""
        noun = self.Meta.model._meta.verbose_name
        return {
            "status": "The status changes only through the transition actions.",
            "entitlement_id": f"The entitlement of {with_article(noun)} cannot be changed.",
            "organization_id": "The organization comes from the entitlement.",
        }


class EntitlementInput(serializers.Serializer):
    """Creation input: the entitlement first, one of the organization's (staff without an
    organization header: any), then the record's editable fields."""

    entitlement_id = ScopedIdField(scope=Entitlement.objects.for_org, source="entitlement")

    def get_field_names(self, declared_fields: Any, info: Any) -> list[str]:
        return ["entitlement_id", *super().get_field_names(declared_fields, info)]


@extend_schema_view(
    list=extend_schema(parameters=[ORG_HEADER_PARAMETER, COMPANY_HEADER_PARAMETER]),
    retrieve=extend_schema(parameters=[ORG_HEADER_PARAMETER]),
    history=extend_schema(parameters=[ORG_HEADER_PARAMETER]),
)
class EntitlementRecordViewSet(
    HistoryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet
):
    """List, detail and history for the organization; create, edit and transitions for staff.

    A subclass sets `model`, `filterset_class`, its serializers and inputs, the actions
    `create_record` / `update_record` (as staticmethods), `create_doc`, and `transitions` with
    their `transition_messages`: each transition becomes `POST /{id}/{name}` through
    accounts.history's `transition_action`.
    """

    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends = [ListFilterBackend]  # the subclass's filterset, on the list action only
    http_method_names = ["get", "post", "patch", "head", "options"]
    list_serializer: ClassVar[type[serializers.Serializer]]
    detail_serializer: ClassVar[type[serializers.Serializer]]
    create_input: ClassVar[type[serializers.Serializer]]
    update_input: ClassVar[type[serializers.Serializer]]
    create_record: ClassVar[Callable[..., Any]]
    update_record: ClassVar[Callable[..., Any]]
    create_doc: ClassVar[str]
    transitions: ClassVar[Mapping[str, Callable[..., Any]]] = {}
    transition_messages: ClassVar[Mapping[str, str]] = {}
    detail_related: ClassVar[tuple[str, ...]] = ()  # relations the detail reads too

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        noun = str(cls.model._meta.verbose_name)
        cls.staff_only_actions = ("create", "partial_update", *cls.transitions)
        for name, run in cls.transitions.items():
            view = transition_action(
                name,
                run=run,
                subject=noun,
                output=cls.detail_serializer,
                message=cls.transition_messages[name],
            )
            setattr(cls, name, view)
        extend_schema_view(
            create=extend_schema(
                request=cls.create_input,
                responses={201: cls.detail_serializer},
                description=cls.create_doc,
            ),
            partial_update=extend_schema(
                request=cls.update_input,
                responses={200: cls.detail_serializer},
                description=f"Staff only: change {with_article(noun)}'s details (not its status).",
            ),
        )(cls)

    @property
    def noun(self) -> str:
        return str(self.model._meta.verbose_name)

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        if self.action == "list":
            return qs.select_related("entitlement")
        return qs.select_related("entitlement", *self.detail_related)

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return self.list_serializer if self.action == "list" else self.detail_serializer

    def create(self, request: Request) -> Response:
        inp = self.create_input(data=request.data, context={"org": self.org})
        inp.is_valid(raise_exception=True)
        record = self.create_record(actor=request.user, **inp.validated_data)
        return respond(
            self.detail_serializer(record).data,
            status=201,
            message=f"{self.noun.capitalize()} created",
        )

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        record = self.get_object()
        inp = self.update_input(data=request.data, partial=True)
        inp.is_valid(raise_exception=True)
        record = self.update_record(**{self.noun: record}, actor=request.user, **inp.validated_data)
        return respond(
            self.detail_serializer(record).data, message=f"{self.noun.capitalize()} updated"
        )
