"""Forms show a service's refusals: every write service raises one
ValidationError naming the fields it is about (style.md, items 1 and 11)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language

from smartcoop.lib.numbers import check_decimal, format_decimal, parse_decimal


def add_service_errors(
    form: forms.Form, exc: ValidationError, *, rows: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    """Put a service's errors next to the fields they name, and the others
    above the form. Errors keyed with one of the `rows` prefixes (inputs
    repeated per row, such as `lines-0-quantity`) are returned instead, for
    the page to show beside their row."""
    row_errors: dict[str, list[str]] = {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return row_errors
    for field, errors in exc.error_dict.items():
        if rows and field.startswith(rows):
            row_errors[field] = [message for error in errors for message in error.messages]
        else:
            target: Any = field if field in form.fields else None
            form.add_error(target, errors)
    return row_errors


class LocalDecimalField(forms.Field):
    """A number typed the way the page's language writes it (smartcoop.lib.
    numbers: "1.234,56" in nl and fr, "1,234.56" in en, and the plain forms
    everywhere), with at most `places` decimals. Cleans to a Decimal with
    exactly `places` decimals; a value typed ambiguously ("1.234") is shown
    back as it was read."""

    def __init__(self, *, places: int, **kwargs: Any) -> None:
        self.places = places
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def _parse(self, text: str) -> Decimal:
        parsed = parse_decimal(text, language=get_language() or "en")
        return check_decimal(parsed, places=self.places)

    def to_python(self, value: Any) -> Decimal | None:
        text = "" if value in self.empty_values else str(value).strip()
        if not text:
            return None
        return self._parse(text)

    def bound_data(self, data: Any, initial: Any) -> Any:
        try:
            return self._parse(str(data)) if data not in (None, "") else data
        except ValidationError:
            return data  # shown as typed, with its error

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return format_decimal(value, language=get_language() or "en")
        return value
