from decimal import Decimal

from django import template
from django.forms import BoundField
from django.utils.translation import get_language

from smartcoop.lib.money import format_money
from smartcoop.lib.ogm import ogm_format

register = template.Library()


@register.filter
def money(amount: Decimal | None) -> str:
    """{{ invoice.total|money }} in the active language's format."""
    if amount is None:
        return ""
    amount = getattr(amount, "amount", amount)  # accepts djmoney's Money too
    return format_money(Decimal(amount), get_language() or "en")


@register.filter
def described(field: BoundField) -> str:
    """Render a form field whose input points at its help text and its errors,
    so screen readers announce both (aria-describedby, aria-invalid)."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    attrs: dict[str, str | bool] = {}
    if field.errors:
        ids.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    return field.as_widget(attrs=attrs)


@register.filter
def ogm(digits: str) -> str:
    """12 digits as a Belgian structured reference: +++123/4567/89012+++."""
    return ogm_format(digits) if digits else ""
