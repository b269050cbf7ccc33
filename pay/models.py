"""The activity account (issue 17): one account per activity holding its
balance, and the append-only entries that move it.

The balance is kept on the account row so reading it costs no sum; every
entry records the balance after it, so the ledger shows a running balance
without a window over the whole history. An entry is written with the
account row locked (pay.services), and the database refuses a negative
balance and any change or deletion of an entry, whatever the code path.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from invoicing.models import Activity, Invoice
from members.models import Member
from pay.payroll import Breakdown, FamilySituation
from smartcoop.lib.models import AppendOnly

ENTRIES_ARE_APPEND_ONLY = _(
    "Entries of an activity account are never changed or deleted; a correction is a new entry."
)


class ActivityAccount(models.Model):
    """The budget of one activity: what its invoices brought in, less what
    was spent on salaries and expenses, plus or minus transfers. Never
    negative (a database constraint and, with a friendly message, the
    services)."""

    activity = models.OneToOneField(
        Activity,
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="account",
        verbose_name=_("activity"),
    )
    balance = models.DecimalField(_("balance"), max_digits=14, decimal_places=2, default=Decimal(0))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("activity account")
        verbose_name_plural = _("activity accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="pay_account_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return str(self.activity)


class EntryKind(models.TextChoices):
    INCOME = "income", _("Income")
    REVERSAL = "reversal", _("Reversal")
    EXPENSE = "expense", _("Expense")
    SALARY = "salary", _("Salary")
    TRANSFER = "transfer", _("Transfer")


# The sign an entry of each kind may have: income adds, a reversal, an
# expense and a salary take away, a transfer does either.
POSITIVE_KINDS = (EntryKind.INCOME,)
NEGATIVE_KINDS = (EntryKind.REVERSAL, EntryKind.EXPENSE, EntryKind.SALARY)
# The kinds that come from an issued invoice or credit note: their sum is
# what the invoices imply (the nightly balance check compares the two).
INVOICE_KINDS = (EntryKind.INCOME, EntryKind.REVERSAL)


class LedgerEntry(AppendOnly):
    """One movement of an activity's budget, from one source document."""

    append_only_message = ENTRIES_ARE_APPEND_ONLY

    account = models.ForeignKey(ActivityAccount, on_delete=models.PROTECT, related_name="entries")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(_("balance"), max_digits=14, decimal_places=2)
    label = models.CharField(_("description"), max_length=200)
    # The source document: the issued invoice or credit note for income and
    # reversals; the other side of a transfer.
    invoice = models.OneToOneField(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entry",
        verbose_name=_("invoice or credit note"),
    )
    counterpart = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("other side of the transfer"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["account", "-id"], name="pay_entry_account_id")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="pay_entry_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="pay_entry_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=POSITIVE_KINDS) | Q(amount__gt=0),
                name="pay_entry_income_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=NEGATIVE_KINDS) | Q(amount__lt=0),
                name="pay_entry_spending_negative",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=INVOICE_KINDS, invoice__isnull=False)
                | (~Q(kind__in=INVOICE_KINDS) & Q(invoice__isnull=True)),
                name="pay_entry_invoice_iff_income_or_reversal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()} {self.amount}"

    @property
    def is_income(self) -> bool:
        return self.amount > 0


class PayRequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class PayRequest(models.Model):
    """A member's request to be paid for work done, with its breakdown as
    simulated when asked (pay.payroll); approving it charges the budget
    used to the activity as a salary entry."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="pay_requests")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="pay_requests")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PayRequestStatus.choices,
        default=PayRequestStatus.REQUESTED,
    )
    work_dates = models.JSONField(_("work dates"), default=list)
    first_day = models.DateField(_("first day of work"))
    last_day = models.DateField(_("last day of work"))
    description = models.TextField(_("description of the work"))
    situation = models.CharField(
        _("family situation"), max_length=20, choices=FamilySituation.choices
    )
    children = models.PositiveSmallIntegerField(_("dependent children"), default=0)
    # The breakdown (pay.payroll.Breakdown.as_json) and its two ends.
    breakdown = models.JSONField(default=dict)
    budget = models.DecimalField(_("budget used"), max_digits=12, decimal_places=2)
    net = models.DecimalField(_("net paid"), max_digits=12, decimal_places=2)
    pay_date = models.DateField(_("payment date"))
    rules_used = models.JSONField(default=dict, blank=True)
    salary_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="pay_request"
    )
    refusal_reason = models.CharField(_("reason for refusal"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pay request")
        verbose_name_plural = _("pay requests")
        indexes = [
            models.Index(fields=["status", "pay_date"], name="pay_request_status_date"),
            models.Index(fields=["member", "-created_at"], name="pay_request_member"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=0), name="pay_request_budget_positive"),
            models.CheckConstraint(
                condition=Q(first_day__lte=F("last_day")), name="pay_request_days_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(salary_entry__isnull=False),
                name="pay_request_approved_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} {self.first_day:%d/%m/%Y}-{self.last_day:%d/%m/%Y}"

    @property
    def figures(self) -> Breakdown:
        """The stored breakdown as Decimals."""
        return Breakdown(**{name: Decimal(value) for name, value in self.breakdown.items()})
