from decimal import Decimal

from django import template
from django.utils.translation import get_language

from smartcoop.lib.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | None) -> str:
    """{{ invoice.total|money }} in the active language's format."""
    if amount is None:
        return ""
    amount = getattr(amount, "amount", amount)  # accepts djmoney's Money too
    return format_money(Decimal(amount), get_language() or "en")
