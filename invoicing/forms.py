"""Forms of the member pages: thin, they read what was typed (numbers in the
page's language: smartcoop.lib.numbers); the services check it against the
rules and the forms show the services' errors next to the fields they name."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries

from invoicing.calculation import VatOption
from invoicing.models import (
    Activity,
    ActivityKind,
    Client,
    ClientKind,
    ClientSector,
    InvoiceLine,
    InvoiceStatus,
    Unit,
)
from invoicing.selectors import InvoiceFilters
from invoicing.services import ClientData, LineData, check_unit_price
from invoicing.validation import QUANTITY_PLACES
from members.models import Language
from smartcoop.lib.forms import LocalDecimalField
from smartcoop.lib.numbers import check_decimal, parse_decimal

TERM_NOT_A_NUMBER = _("Enter the payment term as a whole number of days, such as 30.")

LINE_FIELDS = ("description", "quantity", "unit", "unit_price", "vat")
_LINE_KEY = re.compile(r"^lines-(\d+)-(description|quantity|unit|unit_price|vat)$")


def lines_from_post(data: Mapping[str, Any]) -> list[dict[str, str]]:
    """The line rows of a posted invoice form, in page order, blank rows
    left out. Rows are numbered by the page's script as they are added, so
    the indices may have holes; they are renumbered 0..n-1 here."""
    rows: dict[int, dict[str, str]] = {}
    for key in data:
        match = _LINE_KEY.match(key)
        if match:
            rows.setdefault(int(match[1]), {})[match[2]] = str(data.get(key, "")).strip()
    lines = []
    for index in sorted(rows):
        row = {field: rows[index].get(field, "") for field in LINE_FIELDS}
        if any(row[field] for field in ("description", "quantity", "unit_price")):
            lines.append(row)
    return lines


def _read_number(text: str, *, name: str, language: str) -> Decimal:
    if not text.strip():
        raise ValidationError(forms.Field.default_error_messages["required"], code="required")
    value = parse_decimal(text, language=language)
    if name == "unit_price":  # up to 4 decimals, with its own message
        return check_unit_price(value)
    return check_decimal(value, places=QUANTITY_PLACES)


@dataclass
class LineRows:
    """The line rows as typed (shown back on the page), the lines whose
    numbers could be read, and the row each of them comes from."""

    rows: list[dict[str, str]]
    lines: list[LineData] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    # Per row, the numbers that could be read.
    numbers: list[dict[str, Decimal]] = field(default_factory=list)

    def every_row(self) -> list[LineData]:
        """Every row as a line, a number that could not be read taken as 1:
        to check the rest of each row anyway (its description, VAT, unit),
        when some number could not be read (the reading error stands)."""
        return [
            LineData(
                description=row["description"],
                quantity=numbers.get("quantity", Decimal(1)),
                unit=row["unit"],
                unit_price=numbers.get("unit_price", Decimal(1)),
                vat=row["vat"],
            )
            for row, numbers in zip(self.rows, self.numbers, strict=True)
        ]

    def row_errors(self, exc: ValidationError, *, every_row: bool = False) -> dict[str, list[str]]:
        """A service's errors about `lines` (or `every_row()`), keyed by the row
        they come from, with the rows' own reading errors (which stand for
        their field); the errors about no line in particular under `__all__`."""
        found = {key: list(messages) for key, messages in self.errors.items()}
        if not hasattr(exc, "error_dict"):
            found.setdefault("__all__", []).extend(exc.messages)
            return found
        for key, errors in exc.error_dict.items():
            messages = [message for error in errors for message in error.messages]
            match = re.match(r"^lines-(\d+)-(\w+)$", key)
            if match and not every_row and int(match[1]) < len(self.positions):
                key = f"lines-{self.positions[int(match[1])]}-{match[2]}"
            if key not in self.errors:
                found.setdefault(key, []).extend(messages)
        return found


def read_line_rows(rows: list[dict[str, str]], *, language: str) -> LineRows:
    """The line rows (lines_from_post), their quantities and prices read as the
    member wrote them in `language` (1.234,56 in nl and fr; see
    smartcoop.lib.numbers). A row whose numbers cannot be read is kept as
    typed, with its errors."""
    read = LineRows(rows=rows)
    for index, row in enumerate(read.rows):
        numbers: dict[str, Decimal] = {}
        for name in ("quantity", "unit_price"):
            try:
                numbers[name] = _read_number(row[name], name=name, language=language)
            except ValidationError as exc:
                read.errors[f"lines-{index}-{name}"] = exc.messages
        read.numbers.append(numbers)
        if len(numbers) == 2:
            read.lines.append(
                LineData(
                    description=row["description"],
                    quantity=numbers["quantity"],
                    unit=row["unit"],
                    unit_price=numbers["unit_price"],
                    vat=row["vat"],
                )
            )
            read.positions.append(index)
    return read


def read_quantities(
    data: Mapping[str, Any], lines: Iterable[InvoiceLine], *, language: str
) -> tuple[dict[int, Decimal], dict[str, list[str]]]:
    """The quantities to credit typed per line (`quantity-<line id>`, empty
    for none), read in `language`; and the errors of those that cannot be."""
    quantities: dict[int, Decimal] = {}
    errors: dict[str, list[str]] = {}
    for line in lines:
        name = f"quantity-{line.pk}"
        text = str(data.get(name, "")).strip()
        if not text:
            continue
        try:
            quantities[line.pk] = _read_number(text, name="quantity", language=language)
        except ValidationError as exc:
            errors[name] = exc.messages
    return quantities, errors


class InvoiceForm(forms.Form):
    client = forms.ModelChoiceField(
        label=_("Client"), queryset=Client.objects.none(), empty_label=_("Choose a client")
    )
    activity = forms.ModelChoiceField(
        label=_("Activity"), queryset=Activity.objects.none(), empty_label=_("Choose an activity")
    )
    supply_date = forms.DateField(
        label=_("Date of supply"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("When you delivered the work; the invoice date is the day you issue it."),
    )
    payment_term_days = forms.IntegerField(
        label=_("Payment term (days)"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"invalid": TERM_NOT_A_NUMBER},
    )
    buyer_reference = forms.CharField(
        label=_("Client's reference"),
        required=False,
        max_length=100,
        help_text=_("An order number or reference the client asked you to quote."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Printed on the invoice."),
    )

    def __init__(self, *args: Any, member: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Another member's client or activity id is simply not a choice.
        client_field: Any = self.fields["client"]
        client_field.queryset = Client.objects.filter(member=member, archived=False)
        activity_field: Any = self.fields["activity"]
        activity_field.queryset = Activity.objects.filter(member=member, archived=False)


class ClientForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=ClientKind.choices,
        widget=forms.RadioSelect,
        initial=ClientKind.COMPANY,
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    street = forms.CharField(label=_("Street and number"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=12, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    vat_number = forms.CharField(
        label=_("VAT number"),
        max_length=30,
        required=False,
        help_text=_("With the country prefix, like BE0403019261 or NL004495445B01."),
    )
    enterprise_number = forms.CharField(
        label=_("Enterprise number"),
        max_length=20,
        required=False,
        help_text=_(
            "Belgian organisations only, like 0403.019.261; taken from the VAT number "
            "when left empty."
        ),
    )
    sector = forms.ChoiceField(
        label=_("Sector"),
        choices=ClientSector.choices,
        initial=ClientSector.OTHER,
        required=False,
        help_text=_(
            "Only some VAT exemptions depend on it: a performing artist's work for an organiser "
            "of shows, a record publisher or a film producer is exempt (art. 44, § 2, 8°)."
        ),
    )
    peppol_id = forms.CharField(
        label=_("Peppol participant id"),
        max_length=80,
        required=False,
        help_text=_(
            "Only for a client outside Belgium that receives e-invoices, like 9925:be0403019261."
        ),
    )
    email = forms.EmailField(label=_("Invoice email"), required=False)
    language = forms.ChoiceField(label=_("Language of the invoice"), choices=Language.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country_field: Any = self.fields["country"]
        country_field.choices = [("", _("Choose a country"))] + [
            (code, name) for code, name in countries
        ]

    @classmethod
    def initial_from(cls, client: Client) -> dict[str, Any]:
        fields = (
            "kind",
            "name",
            "street",
            "postal_code",
            "city",
            "vat_number",
            "enterprise_number",
            "peppol_id",
            "sector",
            "email",
            "language",
        )
        initial = {name: getattr(client, name) for name in fields}
        initial["country"] = str(client.country)
        return initial

    def data_for_service(self) -> ClientData:
        return ClientData(**{name: self.cleaned_data.get(name) or "" for name in self.fields})


class ActivityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=ActivityKind.choices,
        widget=forms.RadioSelect,
        initial=ActivityKind.OTHER,
        help_text=_(
            "Artistic work can be exempt from VAT (art. 44) and needs an artist work certificate. "
            "Works on immovable property for a Belgian VAT-registered client are invoiced with "
            "reverse charge (art. 51, § 2, 5°)."
        ),
    )
    budget = LocalDecimalField(
        label=_("Budget excl. VAT"),
        places=2,
        required=False,
        help_text=_("Optional: what you expect to invoice under this activity."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CreditForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Printed on the credit note, for example: 2 pages were not delivered."),
    )
    full = forms.BooleanField(label=_("Credit everything that remains"), required=False)


class FilterForm(forms.Form):
    """The list's filters; they live in the URL so a filtered list can be
    bookmarked and shared."""

    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[
            ("", _("Invoices and credit notes")),
            ("invoice", _("Invoices")),
            ("credit_note", _("Credit notes")),
        ],
    )
    client = forms.TypedChoiceField(label=_("Client"), required=False, coerce=int)
    activity = forms.TypedChoiceField(label=_("Activity"), required=False, coerce=int)
    date_from = forms.DateField(
        label=pgettext_lazy("start of a period", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("end of a period", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, clients: Any, activities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status: Any = self.fields["status"]
        status.choices = [
            ("", _("Any status")),
            *InvoiceStatus.choices,
            ("overdue", pgettext_lazy("invoice status", "Overdue")),
        ]
        client: Any = self.fields["client"]
        client.choices = [("", _("Any client")), *clients]
        activity: Any = self.fields["activity"]
        activity.choices = [("", _("Any activity")), *activities]

    def filters(self) -> InvoiceFilters:
        if not self.is_valid():
            return InvoiceFilters()
        data = self.cleaned_data
        return InvoiceFilters(
            status=data["status"] or "",
            client=data["client"] or None,
            activity=data["activity"] or None,
            kind=data["kind"] or "",
            date_from=data["date_from"],
            date_to=data["date_to"],
            search=data["q"] or "",
        )


class ExportForm(forms.Form):
    date_from = forms.DateField(
        label=pgettext_lazy("start of a period", "From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("end of a period", "To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise ValidationError(_("The end of the period comes before its start."))
        if start and end and (end - start).days > 3 * 366:
            raise ValidationError(_("Export at most three years at once."))
        return data


def vat_choices(options: list[VatOption], language: str) -> list[tuple[str, str]]:
    """The VAT select's choices (pass the options vat_bases.offered keeps
    for the draft's client and activity)."""
    return [(option.code, option.label(language)) for option in options]


UNIT_CHOICES = Unit.choices
