"""Forms of the invoicing back office: a payment registered by hand and a
credit note issued on a member's behalf. They only collect what staff type;
the services (invoice_payment_register, credit_note_issue) decide, so the
admin and the member's pages refuse the same things with the same words."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from invoicing.models import DocumentKind, Invoice, InvoiceLine
from invoicing.services import CREDIT_REASON_REQUIRED
from invoicing.validation import QUANTITY_PLACES
from smartcoop.lib.forms import LocalDecimalField


# Browsers' date inputs take ISO dates only, whatever the page's language.
def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InvoicePaymentForm(forms.Form):
    # Read as staff type it ("12,50", "1.234,56"); the service refuses what is
    # not a positive amount due, in its own words.
    amount = LocalDecimalField(label=_("Amount received"), places=2)
    value_date = forms.DateField(label=_("Date received"), widget=_date_input())
    transaction_id = forms.CharField(
        label=_("Bank transaction id"),
        max_length=128,
        required=False,
        help_text=_(
            "Optional: the bank's id of the transfer, so the same transfer in a later "
            "bank statement is not booked twice."
        ),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


CREDIT_ALL = "all"
CREDIT_LINES = "lines"


class CreditNoteForm(forms.Form):
    """The reason, then either everything still open or a quantity per line
    (fields `quantity-<line id>`, the names the service reports errors on)."""

    reason = forms.CharField(
        label=_("Reason for the credit note"),
        max_length=300,
        error_messages={"required": CREDIT_REASON_REQUIRED},
    )
    scope = forms.ChoiceField(
        label=_("What to credit"),
        widget=forms.RadioSelect,
        initial=CREDIT_ALL,
        choices=[
            (CREDIT_ALL, _("Everything not yet credited")),
            (CREDIT_LINES, _("The quantities below")),
        ],
    )

    def __init__(
        self, *args: Any, lines: Iterable[InvoiceLine], remaining: dict[int, Decimal], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.line_ids: list[int] = []
        for line in lines:
            left = remaining.get(line.pk, Decimal(0))
            if left <= 0:
                continue
            self.line_ids.append(line.pk)
            self.fields[f"quantity-{line.pk}"] = LocalDecimalField(
                places=QUANTITY_PLACES,
                label=_("Line %(position)s: %(description)s")
                % {"position": line.position, "description": line.description},
                required=False,
                help_text=_("At most %(maximum)s (%(unit)s at %(price)s excl. VAT).")
                % {
                    "maximum": f"{left.normalize():f}",
                    "unit": line.get_unit_display(),
                    "price": line.unit_price,
                },
            )

    def quantities(self) -> dict[int, Decimal] | None:
        """None for everything still open, else {line id: quantity} of the
        lines given one."""
        if self.cleaned_data.get("scope") != CREDIT_LINES:
            return None
        asked = {pk: self.cleaned_data.get(f"quantity-{pk}") for pk in self.line_ids}
        return {pk: quantity for pk, quantity in asked.items() if quantity is not None}


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Why"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class ResolveBankLineForm(forms.Form):
    invoice = forms.CharField(
        label=_("Book it on invoice"),
        max_length=32,
        required=False,
        help_text=_(
            "The invoice number, like F2026-000123; leave empty when the money was "
            "refunded or booked elsewhere."
        ),
    )
    note = forms.CharField(
        label=_("How it was resolved"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_invoice(self) -> Invoice | None:
        number = (self.cleaned_data.get("invoice") or "").strip().upper()
        if not number:
            return None
        invoice = Invoice.objects.filter(number=number, kind=DocumentKind.INVOICE).first()
        if invoice is None:
            raise ValidationError(_("No issued invoice has this number."))
        return invoice
