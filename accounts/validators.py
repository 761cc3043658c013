"""CNPJ: the Brazilian company registry number, 14 digits with two check digits."""

import re

from django.core.exceptions import ValidationError

_WEIGHTS_1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
_WEIGHTS_2 = [6, *_WEIGHTS_1]


def _check_digit(digits: str, weights: list[int]) -> str:
    rest = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "0" if rest < 2 else str(11 - rest)


def normalize_cnpj(value: str) -> str:
    """Digits only, validated; accepts `12.345.678/0001-95` or `12345678000195`."""
    value = (value or "").strip()
    if not re.fullmatch(r"\d{14}|\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}", value):
        raise ValidationError("A CNPJ has 14 digits, optionally as 00.000.000/0000-00.")
    digits = re.sub(r"\D", "", value)
    if len(set(digits)) == 1:
        raise ValidationError("This CNPJ is not valid (check digits).")
    first = _check_digit(digits[:12], _WEIGHTS_1)
    second = _check_digit(digits[:12] + first, _WEIGHTS_2)
    if digits[12:] != first + second:
        raise ValidationError("This CNPJ is not valid (check digits).")
    return digits
