"""Invoicing: activities, clients, invoices and credit notes, their lines,
numbering counters and payments (domain.md, Invoicing).

The cooperative is the legal seller on every invoice; the member's activity is
named on it. An issued invoice or credit note is frozen: it copies the
seller's and buyer's legal data and the mentions it printed (pretix
`base/models/invoices.py`), its content never changes (model guard, admin,
and a PostgreSQL trigger) and it is never deleted. A correction is a credit
note that points to the original.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from invoicing.calculation import Totals
from members.models import Language, Member
from rules.fields import RuleProvenanceField
from smartcoop.lib.models import AppendOnly

ISSUED_IS_FINAL = _(
    "An issued invoice or credit note never changes and is never deleted; correct it with a "
    "credit note."
)
LINES_OF_ISSUED = _("The lines of an issued invoice or credit note cannot change.")
PAYMENTS_ARE_APPEND_ONLY = _("Payments are never changed or deleted; record a reversal instead.")


class ActivityKind(models.TextChoices):
    """What the VAT bases' conditions look at (invoicing/catalogue.py)."""

    ARTISTIC = "artistic", _("Artistic")
    OTHER = "other", _("Not artistic")
    IMMOVABLE = "immovable", _("Works on immovable property")


class Activity(models.Model):
    """What a member works under ("Dutch to French translation"); every
    invoice belongs to one, and the activity's budget is what the member's
    remaining share funds."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="activities")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(
        _("type"), max_length=10, choices=ActivityKind.choices, default=ActivityKind.OTHER
    )
    budget = models.DecimalField(
        _("budget"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Optional: what you expect to invoice under this activity, excluding VAT."),
    )
    description = models.TextField(_("description"), blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.UniqueConstraint(fields=["member", "name"], name="activity_name_unique"),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0), name="activity_budget_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClientKind(models.TextChoices):
    COMPANY = "company", _("Company or organisation")
    PERSON = "person", _("Private person")


class ClientSector(models.TextChoices):
    """The client's trade, where a VAT exemption depends on it (art. 44, § 2,
    8°: an organiser of shows, a record publisher, a film producer)."""

    OTHER = "other", _("Other")
    SHOW_ORGANISER = "show_organiser", _("Organiser of shows or concerts")
    RECORD_PUBLISHER = "record_publisher", _("Publisher of records or sound recordings")
    FILM_PRODUCER = "film_producer", _("Film producer")


class Client(models.Model):
    """A member's client. Editing a client changes nothing already issued:
    every issued invoice copied what it printed."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="clients")
    kind = models.CharField(
        _("type"), max_length=10, choices=ClientKind.choices, default=ClientKind.COMPANY
    )
    name = models.CharField(_("name"), max_length=200)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"), blank=True)
    # "BE0403019261", "NL004495445B01": compact, with the country prefix.
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    # Belgian enterprise number, 10 digits (Crossroads Bank for Enterprises).
    enterprise_number = models.CharField(_("enterprise number"), max_length=10, blank=True)
    # A Peppol participant id under another scheme than 0208 ("9925:be0403019261",
    # "0088:5412345000013"); Belgian companies need none, theirs is derived.
    peppol_id = models.CharField(_("Peppol participant id"), max_length=80, blank=True)
    sector = models.CharField(
        _("sector"),
        max_length=20,
        choices=ClientSector.choices,
        default=ClientSector.OTHER,
        db_default=ClientSector.OTHER,  # rows written in bulk (bench/seed_bulk.py)
    )
    email = models.EmailField(_("email"), blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.NL
    )
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        indexes = [models.Index(fields=["member", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_belgian(self) -> bool:
        return str(self.country) == "BE"

    @property
    def peppol_participant(self) -> str:
        """`0208:<enterprise number>` for a Belgian company (domain.md,
        Electronic invoices), else the id the client gave, else ""."""
        if self.kind == ClientKind.COMPANY and self.is_belgian and self.enterprise_number:
            return f"0208:{self.enterprise_number}"
        return self.peppol_id

    @property
    def address_lines(self) -> list[str]:
        lines = [self.street, f"{self.postal_code} {self.city}".strip()]
        return [line for line in lines if line]


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoiceStatus(models.TextChoices):
    """The stored status. "Overdue" is not stored: it is an open invoice
    whose due date has passed, computed on the day it is looked at."""

    DRAFT = "draft", pgettext_lazy("invoice status", "Draft")
    ISSUED = "issued", pgettext_lazy("invoice status", "Issued")
    SENT = "sent", pgettext_lazy("invoice status", "Sent")
    PARTLY_PAID = "partly_paid", pgettext_lazy("invoice status", "Partly paid")
    PAID = "paid", pgettext_lazy("invoice status", "Paid")
    CREDITED = "credited", pgettext_lazy("invoice status", "Credited")


OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.SENT, InvoiceStatus.PARTLY_PAID)
OVERDUE = "overdue"
OVERDUE_LABEL = pgettext_lazy("invoice status", "Overdue")

# Columns a service may still change on an issued document: its follow-up,
# never its content. The PostgreSQL trigger (migration 0002) lists the same.
FOLLOW_UP_FIELDS = frozenset(
    {
        "status",
        "amount_paid",
        "amount_credited",
        "contribution_credited",
        "sent_at",
        "paid_on",
        "updated_at",
    }
)


class Invoice(models.Model):
    """An invoice or a credit note (kind), a draft until issued.

    Money fields are EUR Decimals rounded to the cent. For a credit note the
    amounts are positive (what is credited), as in a UBL CreditNote; reports
    subtract them.
    """

    kind = models.CharField(
        _("kind"), max_length=12, choices=DocumentKind.choices, default=DocumentKind.INVOICE
    )
    status = models.CharField(
        _("status"), max_length=12, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="invoices")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="invoices")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="invoices")
    credited_invoice = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        verbose_name=_("credited invoice"),
    )

    # Numbering: set when issued, from the counter of (series, year).
    series = models.CharField(_("series"), max_length=12, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    number = models.CharField(_("number"), max_length=32, blank=True)
    structured_reference = models.CharField(_("structured reference"), max_length=12, blank=True)

    supply_date = models.DateField(_("date of supply"))
    issue_date = models.DateField(_("invoice date"), null=True, blank=True)
    payment_term_days = models.PositiveSmallIntegerField(_("payment term (days)"), default=30)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    buyer_reference = models.CharField(
        _("client's reference"),
        max_length=100,
        blank=True,
        help_text=_("An order number or reference the client asked you to quote."),
    )
    notes = models.TextField(_("notes"), blank=True)
    credit_reason = models.CharField(_("reason for the credit note"), max_length=300, blank=True)

    # Totals: kept up to date on drafts (for lists), frozen when issued.
    total_net = models.DecimalField(
        _("total excl. VAT"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    total_vat = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2, default=Decimal(0))
    total_gross = models.DecimalField(
        _("total incl. VAT"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    contribution_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    contribution = models.DecimalField(
        _("cooperative contribution"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    vat_breakdown = models.JSONField(default=list, blank=True)

    # Follow-up: the only columns that change after issue (FOLLOW_UP_FIELDS).
    amount_paid = models.DecimalField(
        _("paid"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    amount_credited = models.DecimalField(
        _("credited"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    contribution_credited = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    # What the document printed, copied at issue (style.md, item 3).
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.NL)
    seller = models.JSONField(default=dict, blank=True)
    buyer = models.JSONField(default=dict, blank=True)
    mentions = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    rules_used = RuleProvenanceField()

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    # The status as loaded from the database: what the save() guard judges by.
    _stored_status: str | None = None

    class Meta:
        ordering = ["-issue_date", "-sequence", "-pk"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [
            models.Index(fields=["member", "-issue_date", "-id"], name="invoice_member_date"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due"),
            # The member's drafts, open and overdue invoices and next due dates.
            models.Index(fields=["member", "status", "due_date"], name="invoice_member_status_due"),
            models.Index(fields=["client"], name="invoice_client"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "year", "sequence"],
                condition=Q(sequence__isnull=False),
                name="invoice_number_unique_in_series",
            ),
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="invoice_number_unique"
            ),
            models.UniqueConstraint(
                fields=["structured_reference"],
                condition=~Q(structured_reference=""),
                name="invoice_reference_unique",
            ),
            models.CheckConstraint(
                condition=Q(status="draft", sequence__isnull=True, number="")
                | (
                    ~Q(status="draft")
                    & Q(sequence__isnull=False, issue_date__isnull=False)
                    & ~Q(number="")
                ),
                name="invoice_numbered_iff_issued",
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", credited_invoice__isnull=True)
                | Q(kind="credit_note", credited_invoice__isnull=False),
                name="credit_note_refers_to_invoice",
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0) & Q(amount_credited__gte=0),
                name="invoice_follow_up_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft %(pk)s") % {"pk": self.pk})

    def save(self, *args: Any, **kwargs: Any) -> None:
        stored = self._stored_status
        if stored not in (None, InvoiceStatus.DRAFT):
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= FOLLOW_UP_FIELDS:
                raise ValidationError(ISSUED_IS_FINAL, code="issued_is_final")
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if (self._stored_status or self.status) != InvoiceStatus.DRAFT:
            raise ValidationError(ISSUED_IS_FINAL, code="issued_is_final")
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any, **kwargs: Any) -> "Invoice":
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._stored_status = getattr(instance, "status", None)
        return instance

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    @property
    def is_credit_note(self) -> bool:
        return self.kind == DocumentKind.CREDIT_NOTE

    @property
    def member_share(self) -> Decimal:
        """What remains for the member's activity after the contribution."""
        return self.total_net - self.contribution

    @property
    def vat_groups(self) -> list[dict[str, Any]]:
        """The stored VAT breakdown with Decimals again, for pages."""
        return [
            {key: (value if key == "category" else Decimal(value)) for key, value in group.items()}
            for group in self.vat_breakdown
        ]

    @property
    def amount_due(self) -> Decimal:
        return self.total_gross - self.amount_credited - self.amount_paid

    def is_overdue(self, today: datetime.date) -> bool:
        return (
            self.status in OPEN_STATUSES
            and self.due_date is not None
            and self.due_date < today
            and self.amount_due > 0
        )

    def set_totals(self, totals: Totals) -> None:
        """Take the figures of `totals` (calculation.compute_totals or
        credit_totals): the totals, the contribution and the VAT breakdown."""
        self.total_net, self.total_vat, self.total_gross = totals.net, totals.vat, totals.gross
        self.contribution_rate, self.contribution = totals.contribution_rate, totals.contribution
        self.vat_breakdown = [group.as_json() for group in totals.groups]

    def follow_up_status(self) -> str:
        """The status an issued document's follow-up figures give it: credited
        in full, paid, partly paid, sent, or just issued."""
        if self.amount_credited >= self.total_gross and self.total_gross > 0:
            return InvoiceStatus.CREDITED
        if self.amount_paid > 0 and self.amount_due <= 0:
            return InvoiceStatus.PAID
        if self.amount_paid > 0:
            return InvoiceStatus.PARTLY_PAID
        if self.sent_at is not None:
            return InvoiceStatus.SENT
        return InvoiceStatus.ISSUED

    def display_status(self, today: datetime.date) -> tuple[str, str]:
        """(code, label) for pages: a word and a colour, never a colour alone."""
        if self.kind == DocumentKind.INVOICE and self.is_overdue(today):
            return OVERDUE, str(OVERDUE_LABEL)
        return self.status, self.get_status_display()


class Unit(models.TextChoices):
    """Units of measure with their UN/ECE Recommendation 20 codes (what a UBL
    invoice line carries)."""

    UNIT = "C62", _("unit")
    HOUR = "HUR", _("hour")
    DAY = "DAY", _("day")
    HALF_DAY = "HD", _("half day")
    MONTH = "MON", _("month")
    WORD = "D68", _("word")
    PAGE = "ZP", _("page")
    KILOMETRE = "KMT", _("kilometre")
    LUMP_SUM = "LS", _("lump sum")


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=3, choices=Unit.choices, default=Unit.UNIT)
    # Up to 4 decimals: translators quote €0.085 a word (decisions.md 10, revised).
    unit_price = models.DecimalField(_("unit price excl. VAT"), max_digits=14, decimal_places=4)
    vat_category = models.CharField(_("VAT category"), max_length=2)
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=2)
    # The legal basis of a line without Belgian VAT (a key of the rule
    # invoicing.vat_bases: "eu_services", "art44_2_8"); "" at a VAT rate.
    vat_basis = models.CharField(
        _("VAT basis"), max_length=40, blank=True, default="", db_default=""
    )
    net_amount = models.DecimalField(_("amount excl. VAT"), max_digits=14, decimal_places=2)
    # On a credit note: the line of the credited invoice this line credits.
    credits_line = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credited_by"
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="line_position_unique"),
        ]

    def __str__(self) -> str:
        return self.description

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.invoice_id and not _is_draft(self.invoice_id):
            raise ValidationError(LINES_OF_ISSUED, code="issued_is_final")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.invoice_id and not _is_draft(self.invoice_id):
            raise ValidationError(LINES_OF_ISSUED, code="issued_is_final")
        return super().delete(*args, **kwargs)

    @property
    def vat_code(self) -> str:
        """The code of its VAT option, as the draft form offers it: "S:21" at a
        rate, "AE:eu_services" on a legal basis."""
        if self.vat_basis:
            return f"{self.vat_category}:{self.vat_basis}"
        return f"{self.vat_category}:{self.vat_rate.normalize():f}"


def _is_draft(invoice_id: int) -> bool:
    return Invoice.objects.filter(pk=invoice_id, status=InvoiceStatus.DRAFT).exists()


class NumberCounter(models.Model):
    """One row per series and year, locked only around numbering and the
    write of the number (style.md, item 5). `last_issued_on` keeps the
    numbers in date order."""

    series = models.CharField(max_length=12)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)
    last_issued_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="counter_series_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last_number}"


class PaymentSource(models.TextChoices):
    MANUAL = "manual", _("Registered by staff")
    BANK = "bank", _("Bank statement")


class InvoicePayment(AppendOnly):
    """Money received for an invoice. Append-only: a mistaken payment is
    undone by a reversing payment with a negative amount."""

    append_only_message = PAYMENTS_ARE_APPEND_ONLY

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    value_date = models.DateField(_("date"))
    source = models.CharField(max_length=8, choices=PaymentSource.choices)
    transaction_id = models.CharField(_("bank transaction id"), max_length=128, unique=True)
    communication = models.CharField(_("communication"), max_length=200, blank=True)
    counterparty_name = models.CharField(max_length=200, blank=True)
    counterparty_iban = models.CharField(max_length=34, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["value_date", "pk"]
        verbose_name = _("invoice payment")
        verbose_name_plural = _("invoice payments")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="invoice_payment_not_zero"),
            models.CheckConstraint(
                condition=Q(amount__gt=0) | Q(reverses__isnull=False),
                name="only_reversals_are_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value_date:%d/%m/%Y} {self.amount}"


class UnmatchedBankLine(models.Model):
    """A bank line with an invoice's structured reference that could not be
    booked (unknown reference, more than is due, not in euro): it waits for
    a person, and is recorded once per bank transaction id."""

    transaction_id = models.CharField(max_length=128, unique=True)
    structured_reference = models.CharField(max_length=12)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    value_date = models.DateField()
    communication = models.CharField(max_length=200, blank=True)
    counterparty_name = models.CharField(max_length=200, blank=True)
    counterparty_iban = models.CharField(max_length=34, blank=True)
    problem = models.CharField(max_length=200)
    file_name = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)
    resolution_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("unmatched invoice payment")
        verbose_name_plural = _("unmatched invoice payments")

    def __str__(self) -> str:
        return f"{self.value_date:%d/%m/%Y} {self.amount} {self.structured_reference}"
