import datetime
from decimal import Decimal
from typing import Any

from django import forms, template
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from invoicing.calculation import format_price
from invoicing.models import Invoice
from smartcoop.lib.money import format_money
from smartcoop.lib.numbers import format_decimal

MINUS = "\u2212"  # the minus sign, not a hyphen

register = template.Library()


@register.filter
def invoice_status(invoice: Invoice, today: datetime.date) -> tuple[str, str]:
    """(code, label) of an invoice's status on `today`: overdue is computed."""
    return invoice.display_status(today)


@register.filter
def signed(invoice: Invoice, amount: Decimal | None) -> str:
    """One of an invoice's amounts in the active language's format, shown
    negative on a credit note (a minus sign before it), the same on every
    page: {{ invoice|signed:invoice.total_gross }}."""
    if amount is None:
        return ""
    text = format_money(Decimal(amount), get_language() or "en")
    return f"{MINUS}{text}" if invoice.is_credit_note else text


@register.filter
def price(amount: Decimal | None) -> str:
    """A unit price with the decimals it has, at least the cents: € 0,085,
    € 85,00, € 1.234,5678 (never padded to 4)."""
    if amount is None:
        return ""
    return format_price(Decimal(amount), get_language() or "en")


@register.filter
def quantity(value: Decimal | None) -> str:
    """A quantity as the language writes it, with the decimals it has:
    2,5 in nl and fr, 2.5 in en, never 2.500."""
    if value is None:
        return ""
    return format_decimal(Decimal(value), language=get_language() or "en")


@register.filter
def percent(rate: Decimal | None) -> str:
    """6.50 → "6.5", 21.00 → "21", in the active language's decimal mark."""
    if rate is None:
        return ""
    return number_format(Decimal(rate).normalize() + 0, use_l10n=True)


@register.filter
def filter_input(field: forms.BoundField) -> SafeString:
    """A list filter's input, written directly: Django's widget templates
    cost several milliseconds per page on the invoice list, which is opened
    more than any other page."""
    value = field.value()
    value = "" if value is None else str(value)
    if isinstance(field.field, forms.ChoiceField):
        choices: Any = field.field.choices
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (choice, " selected" if str(choice) == value else "", label)
                for choice, label in choices
            ),
        )
        return format_html(
            '<select name="{}" id="{}">{}</select>', field.html_name, field.id_for_label, options
        )
    kind = "date" if isinstance(field.field, forms.DateField) else "search"
    return format_html(
        '<input type="{}" name="{}" id="{}" value="{}">',
        kind,
        field.html_name,
        field.id_for_label,
        value,
    )
