"""The fields of the compatibility APIs' input serializers (tickets.compat.serializers).

They read query strings, forms and JSON alike and answer with the messages these APIs have always
given ("The userId field is required."): absent, null and empty values are missing (the default
when optional). `CompatInput` checks them in order and reports the first failing one, so an
error body names one field, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import empty

from tickets.compat.mapping import parse_helpdesk_date

REQUIRED = "The {name} field is required."
BIGGEST_ID = 2**62


def _either(choices) -> str:
    """`1, 2 or 3`."""
    words = [str(choice) for choice in choices]
    return f"{', '.join(words[:-1])} or {words[-1]}"


class _Param:
    """What the fields below share: messages that name the field, and what counts as missing
    (absent, null or empty: the default when optional, else "required")."""

    missing: Any = None
    blank_is_missing = False  # text: whitespace alone is missing too

    def fail(self, key: str, **kwargs: Any) -> None:
        super().fail(key, name=self.field_name, **kwargs)  # type: ignore[misc]

    def is_missing(self, data: Any) -> bool:
        if self.blank_is_missing and isinstance(data, str) and not data.strip():
            return True
        return data is empty or data is None or data == ""

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if self.is_missing(data):
            if self.required:  # type: ignore[attr-defined]
                self.fail("required")
            return True, self.missing
        return False, data

    def run_validation(self, data: Any = empty) -> Any:
        # Field's own run_validation: CharField's would refuse blanks before is_missing sees them.
        return serializers.Field.run_validation(self, data)  # type: ignore[arg-type]

    def integer(self, data: Any, minimum: int) -> int:
        if isinstance(data, bool):
            self.fail("not_integer")
        try:
            value = int(str(data).strip())
        except (TypeError, ValueError):
            self.fail("not_integer")
        if value < minimum or value > BIGGEST_ID:
            self.fail("min", minimum=minimum)
        return value

    def text(self, data: Any, max_length: int) -> str:
        if not isinstance(data, str | int | float) or isinstance(data, bool):
            self.fail("not_string")
        value = str(data).strip()
        if not value:  # whitespace only, where only an absent or empty value counts as missing
            self.fail("required")
        if len(value) > max_length:
            self.fail("too_long", max_length=max_length)
        return value


MESSAGES = {
    "required": REQUIRED,
    "not_integer": "The {name} field must be an integer.",
    "min": "The {name} field must be at least {minimum}.",
    "not_string": "The {name} field must be a string.",
    "too_long": "The {name} field may not be longer than {max_length} characters.",
}


class IntParam(_Param, serializers.IntegerField):
    """An integer of at least `minimum` (an id, a code); a string of digits is read too."""

    default_error_messages = MESSAGES

    def __init__(
        self, *, minimum: int = 0, documented_minimum: int | None = None, **kwargs: Any
    ) -> None:
        self.minimum = minimum
        super().__init__(**kwargs)
        # The schema's bounds (drf-spectacular reads them); integer() checks them, with the
        # message above, so no validator is added. `documented_minimum`: a bound the
        # serializer's validate() checks after the presence of every field.
        self.min_value = minimum if documented_minimum is None else documented_minimum
        self.max_value = BIGGEST_ID

    def to_internal_value(self, data: Any) -> int:
        return self.integer(data, self.minimum)


class IntChoiceParam(_Param, serializers.ChoiceField):
    """An integer code out of `choices` (seed 002's status and priority, a rating)."""

    default_error_messages = MESSAGES

    def __init__(self, choices: list[int], *, minimum: int = 0, **kwargs: Any) -> None:
        self.minimum = minimum
        kwargs.setdefault(
            "error_messages", {"invalid_choice": f"{{name}} must be {_either(choices)}."}
        )
        super().__init__(choices, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        value = self.integer(data, self.minimum)
        if value not in self.choices:
            self.fail("invalid_choice")
        return value


class TextParam(_Param, serializers.CharField):
    """Text, stripped. Optional text left blank is missing, unless `blank_is_missing=False`
    (then only an absent or empty value is, and whitespace alone is "required")."""

    default_error_messages = MESSAGES
    missing = ""

    def __init__(self, *, max_length: int = 10_000, blank_is_missing: bool = True, **kwargs):
        self.blank_is_missing = blank_is_missing
        super().__init__(max_length=max_length, **kwargs)
        self.validators = []  # to_internal_value checks the length, with the message above

    def to_internal_value(self, data: Any) -> Any:
        return self.text(data, self.max_length)


class TextChoiceParam(_Param, serializers.ChoiceField):
    """A word out of `choices` (or an undocumented `alias`), compared in lower case."""

    default_error_messages = MESSAGES
    missing = ""
    blank_is_missing = True

    def __init__(
        self,
        choices: list[str],
        *,
        aliases: tuple[str, ...] = (),
        max_length: int = 10_000,
        **kwargs: Any,
    ) -> None:
        self.accepted, self.max_length = {*choices, *aliases}, max_length
        kwargs.setdefault(
            "error_messages", {"invalid_choice": f"{{name}} must be {_either(choices)}."}
        )
        super().__init__(choices, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = self.text(data, self.max_length).lower()
        if value not in self.accepted:
            self.fail("invalid_choice", value=value)
        return value


class BoolParam(_Param, serializers.ChoiceField):
    """Seed 003's keyword booleans, "true" or "false" ("1"/"0" and JSON booleans read too)."""

    default_error_messages = {"invalid_choice": 'The {name} field must be "true" or "false".'}

    def __init__(self, *, default: bool, **kwargs: Any) -> None:
        self.missing = default
        super().__init__(["true", "false"], required=False, **kwargs)

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        text = str(data).strip().lower()
        if text not in ("true", "1", "false", "0"):
            self.fail("invalid_choice")
        return text in ("true", "1")


# Seed 003's `dd-mm-yyyy H:m` as the schema's pattern: surrounding blanks are stripped, and
# blank alone is no date at all (ignored).
HELPDESK_DATE_PATTERN = r"^\s*((0?[1-9]|[12][0-9]|3[01])-(0?[1-9]|1[0-2])-[0-9]{4} ([01]?[0-9]|2[0-3]):[0-5]?[0-9])?\s*$"


@extend_schema_field(
    {
        "type": "string",
        "pattern": HELPDESK_DATE_PATTERN,
        "example": "21-11-2016 17:01",
    }
)
class HelpdeskDateParam(TextParam):
    """Seed 003's `dd-mm-yyyy H:m`, in the business time zone."""

    default_error_messages = {
        "date": "{name} must be a date as dd-mm-yyyy H:m (e.g. 21-11-2016 17:01)."
    }
    missing = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=40, required=False, help_text="dd-mm-yyyy H:m", **kwargs)

    def to_internal_value(self, data: Any) -> datetime:
        text = super().to_internal_value(data)
        try:
            return parse_helpdesk_date(text)
        except ValueError:
            self.fail("date")


# Checks the fields one after the other in declaration order, each with its
# `validate_<name>` hook (which may look the value up), and stops at the first that fails:
# the order these APIs have always checked their input in. A view passes itself as
# `context["view"]` for the hooks.
class CompatInput(serializers.Serializer):
    def to_internal_value(self, data: Any) -> dict:
        if not isinstance(data, Mapping):
            return super().to_internal_value(data)  # DRF's 422 for a body that is no object
        values: dict[str, Any] = {}
        for field in self._writable_fields:
            hook = getattr(self, f"validate_{field.field_name}", None)
            try:
                value = field.run_validation(field.get_value(data))
                values[field.field_name] = value if hook is None else hook(value)
            except ValidationError as exc:
                raise ValidationError({field.field_name: exc.detail}) from None
        return values
