"""Entitlement API shapes: outputs with seed 004's field names, inputs for the staff writes."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from accounts.access import ScopedIdField
from accounts.models import Company, Organization
from entitlements.actions import REASON_MAX_LENGTH
from entitlements.api.records import SERIALIZER_FIELD_MAPPING, MetadataField
from entitlements.models import (
    Contract,
    Entitlement,
    EntitlementClass,
    License,
    Order,
    SlaTier,
)


class ClassFieldMixin:
    """Adds the `class` field right after `code`: `class` is a keyword, so it cannot be declared."""

    class_field_kwargs: dict[str, Any] = {"read_only": True}

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()  # type: ignore[misc]
        class_field = serializers.ChoiceField(
            source="entitlement_class", choices=EntitlementClass.choices, **self.class_field_kwargs
        )
        ordered: dict[str, serializers.Field] = {}
        for name, field in fields.items():
            ordered[name] = field
            if name == "code" or (name == "id" and "code" not in fields):
                ordered["class"] = class_field
        ordered.setdefault("class", class_field)
        return ordered


class EntitlementListSerializer(ClassFieldMixin, serializers.ModelSerializer):
    """An item of GET /entitlements (seed 004)."""

    class Meta:
        model = Entitlement
        fields = [
            "id",
            "code",
            "product_name",
            "status",
            "organization_id",
            "company",
            "expires_at",
            "auto_created",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EntitlementSerializer(ClassFieldMixin, serializers.ModelSerializer):
    """GET /entitlements/{id} and /entitlements/code/{code} (seed 004)."""

    serializer_field_mapping = SERIALIZER_FIELD_MAPPING

    class Meta:
        model = Entitlement
        fields = [
            "id",
            "code",
            "product_name",
            "product_description",
            "status",
            "organization_id",
            "company",
            "expires_at",
            "quote_id",
            "auto_created",
            "metadata",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    total = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "total",
            "currency",
            "date_created",
            "date_completed",
            "payment_method",
            "items_count",
        ]
        read_only_fields = fields


class LicenseSerializer(serializers.ModelSerializer):
    entitlement_code = serializers.CharField(source="entitlement.code", read_only=True)
    activations_count = serializers.SerializerMethodField()
    activated_domains = serializers.SerializerMethodField()

    class Meta:
        model = License
        fields = [
            "id",
            "license_key",
            "product_name",
            "status",
            "entitlement_id",
            "entitlement_code",
            "activations_limit",
            "activations_count",
            "activated_domains",
            "expires_at",
            "created_at",
        ]
        read_only_fields = fields

    # Both read the prefetched activations: no query per license.
    def get_activations_count(self, obj: License) -> int:
        return len(obj.activations.all())

    def get_activated_domains(self, obj: License) -> list[str]:
        return [activation.domain for activation in obj.activations.all()]


class ContractSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = [
            "id",
            "title",
            "status",
            "start_date",
            "end_date",
            "organization_id",
            "entitlement_id",
            "created_at",
        ]
        read_only_fields = fields


def _header_organization(org: Organization | None) -> QuerySet:
    """The organization the request names (any, for staff without one)."""
    return Organization.objects.all() if org is None else Organization.objects.filter(pk=org.pk)


class _ScopedInput(serializers.Serializer):
    """Id inputs only offer rows of the request's organization (all of them for staff without one)."""

    # `metadata` is a MetadataField: a JSON object or a 422.


class EntitlementCreateInput(ClassFieldMixin, _ScopedInput):
    """POST /entitlements (staff). Without organization_id: the header's organization, if any."""

    class_field_kwargs = {"required": True}

    product_name = serializers.CharField(max_length=200)
    product_description = serializers.CharField(required=False, allow_blank=True, default="")
    organization_id = ScopedIdField(
        scope=_header_organization,
        source="organization",
        required=False,
        allow_null=True,
        help_text="Null for a standalone entitlement; defaults to the header's organization.",
    )
    company = serializers.ChoiceField(choices=Company.choices, required=False)
    starts_at = serializers.DateTimeField(required=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    quote_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    auto_created = serializers.BooleanField(required=False, default=False)
    metadata = MetadataField(required=False, default=dict)
    sla_tier = serializers.ChoiceField(choices=SlaTier.choices, required=False)
    parent_id = ScopedIdField(
        scope=Entitlement.objects.for_org, source="parent", required=False, allow_null=True
    )


IMMUTABLE_INPUTS = ("code", "class", "status", "organization_id")


class EntitlementUpdateInput(_ScopedInput):
    """PATCH /entitlements/{id} (staff): non-status fields only; code and class never change."""

    product_name = serializers.CharField(max_length=200, required=False)
    product_description = serializers.CharField(required=False, allow_blank=True)
    company = serializers.ChoiceField(choices=Company.choices, required=False)
    starts_at = serializers.DateTimeField(required=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    quote_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    metadata = MetadataField(required=False)
    sla_tier = serializers.ChoiceField(choices=SlaTier.choices, required=False)
    parent_id = ScopedIdField(
        scope=Entitlement.objects.for_org, source="parent", required=False, allow_null=True
    )

    def validate(self, attrs: dict) -> dict:
        sent = self.initial_data if isinstance(self.initial_data, dict) else {}
        refused = {
            name: ["This field cannot be changed."] for name in IMMUTABLE_INPUTS if name in sent
        }
        if refused:
            raise serializers.ValidationError(refused)
        return attrs


class TransitionInput(serializers.Serializer):
    """Optional `{reason, notes}` of every transition; both are kept in the history."""

    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=REASON_MAX_LENGTH, default=""
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class CancelInput(TransitionInput):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class RenewInput(TransitionInput):
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Default: one year after the later of now and the old expiry.",
    )
