"""Forms show a service's refusals: every write service raises one
ValidationError naming the fields it is about (style.md, items 1 and 11)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError


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
