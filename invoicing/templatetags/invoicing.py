import datetime

from django import template

from invoicing.models import Invoice

register = template.Library()


@register.filter
def invoice_status(invoice: Invoice, today: datetime.date) -> tuple[str, str]:
    """(code, label) of an invoice's status on `today`: overdue is computed."""
    return invoice.display_status(today)
