"""Input-serializer behaviour shared by the apps' write endpoints."""

from rest_framework import serializers


class RefusedFieldsMixin:
    """Refuse, with a reason, fields a caller may send by mistake that would otherwise be ignored
    (`fixed_fields`: name → why), and require `metadata` to be a JSON object."""

    fixed_fields: dict[str, str] = {}

    def validate(self, attrs: dict) -> dict:
        refused = {
            name: [message]
            for name, message in self.fixed_fields.items()
            if name in self.initial_data and name not in self.fields
        }
        if refused:
            raise serializers.ValidationError(refused)
        return super().validate(attrs)

    def validate_metadata(self, value: object) -> dict:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        return value
