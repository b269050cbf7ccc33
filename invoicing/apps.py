from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = _("Invoicing")

    def ready(self) -> None:
        from invoicing import services
        from smartcoop.lib import bankrouting

        def book(line: Any, *, file_name: str, acting_user: Any) -> tuple[str, str]:
            outcome = services.invoice_bank_line_book(
                structured_reference=line.structured_reference,
                amount=line.amount,
                currency=line.currency,
                value_date=line.booking_date,
                transaction_id=line.transaction_id,
                communication=line.communication,
                counterparty_name=line.counterparty_name,
                counterparty_iban=line.counterparty_iban,
                file_name=file_name,
                acting_user=acting_user,
            )
            return outcome.outcome, outcome.message

        bankrouting.register(name="invoices", claims=services.invoice_reference_claims, book=book)

        from invoicing.selectors import drafts_count
        from rules.reach import reach_register

        for prefix in ("invoicing.", "vat."):
            reach_register(prefix=prefix, label=_("draft invoices"), count=drafts_count)
