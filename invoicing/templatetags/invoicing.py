import datetime
from decimal import Decimal

from django import template
from django.utils.formats import number_format

from invoicing.models import Invoice

register = template.Library()


@register.filter
def invoice_status(invoice: Invoice, today: datetime.date) -> tuple[str, str]:
    """(code, label) of an invoice's status on `today`: overdue is computed."""
    return invoice.display_status(today)


@register.filter
def percent(rate: Decimal | None) -> str:
    """6.50 → "6.5", 21.00 → "21", in the active language's decimal mark."""
    if rate is None:
        return ""
    return number_format(Decimal(rate).normalize() + 0, use_l10n=True)
