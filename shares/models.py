"""Shares: subscriptions paid by structured transfer, the legal share register
(append-only), certificates and exits (domain.md, Shares)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import Category, Member
from rules.fields import RuleProvenanceField
from smartcoop.lib.models import AppendOnly

REGISTER_IS_APPEND_ONLY = _(
    "Share register entries are never changed or deleted; record a reversing entry instead."
)


class SubscriptionStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting", _("Awaiting payment")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class Subscription(models.Model):
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="subscriptions")
    quantity = models.PositiveIntegerField(_("number of shares"), validators=[MinValueValidator(1)])
    category = models.CharField(_("category"), max_length=1, choices=Category.choices)
    unit_price = models.DecimalField(_("price per share"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    structured_reference = models.CharField(_("structured reference"), max_length=12, unique=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.AWAITING_PAYMENT,
    )
    subscribed_on = models.DateField(_("subscription date"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rules_used = RuleProvenanceField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("share subscription")
        verbose_name_plural = _("share subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="subscription_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(status="paid", paid_on__isnull=False) | ~Q(status="paid"),
                name="paid_subscription_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.unit_price} ({self.structured_reference})"


class BankImport(models.Model):
    """One uploaded bank statement file and what became of its lines."""

    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("bank statement import")
        verbose_name_plural = _("bank statement imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.uploaded_at:%d/%m/%Y %H:%M})"


class PaymentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    TO_RESOLVE = "to_resolve", _("To resolve")
    RESOLVED = "resolved", _("Resolved without booking")


class Payment(models.Model):
    """Money received for shares. A bank line is recorded once (transaction id)."""

    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    value_date = models.DateField(_("date"))
    communication = models.CharField(_("communication"), max_length=200, blank=True)
    structured_reference = models.CharField(max_length=12, blank=True)
    counterparty_name = models.CharField(max_length=200, blank=True)
    counterparty_iban = models.CharField(max_length=34, blank=True)
    transaction_id = models.CharField(_("bank transaction id"), max_length=128, unique=True)
    status = models.CharField(max_length=12, choices=PaymentStatus.choices)
    problem = models.CharField(_("problem"), max_length=200, blank=True)
    bank_import = models.ForeignKey(
        BankImport, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    resolution_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-value_date", "-pk"]
        verbose_name = _("share payment")
        verbose_name_plural = _("share payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            # A subscription is paid by one booked payment.
            models.UniqueConstraint(
                fields=["subscription"],
                condition=Q(status="booked"),
                name="one_booked_payment_per_subscription",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value_date:%d/%m/%Y} {self.amount} {self.structured_reference}"


class ExitStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUNDED = "refunded", _("Refunded")
    REJECTED = "rejected", _("Rejected")


class ExitRequest(models.Model):
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="exit_requests")
    quantity = models.PositiveIntegerField(_("number of shares"), validators=[MinValueValidator(1)])
    requested_on = models.DateField(_("request date"))
    effective_on = models.DateField(_("takes effect on"))
    refund_due_by = models.DateField(_("refund due by"))
    status = models.CharField(
        max_length=10, choices=ExitStatus.choices, default=ExitStatus.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    refunded_on = models.DateField(null=True, blank=True)
    rules_used = RuleProvenanceField()

    class Meta:
        ordering = ["-requested_on", "-pk"]
        verbose_name = _("exit request")
        verbose_name_plural = _("exit requests")

    def __str__(self) -> str:
        return f"{self.member} −{self.quantity} ({self.get_status_display()})"


class EntryType(models.TextChoices):
    SUBSCRIPTION_PAID = "subscription", _("Subscription paid")
    TRANSFER_IN = "transfer_in", _("Transfer received")
    TRANSFER_OUT = "transfer_out", _("Transfer given")
    EXIT = "exit", _("Exit")
    EXCLUSION = "exclusion", _("Exclusion")
    REFUND = "refund", _("Refund")
    REVERSAL = "reversal", _("Reversal of an entry")


class RegisterEntry(AppendOnly):
    """One line of the legal share register. Append-only: save() on an
    existing row and delete() refuse, and so does a database trigger."""

    append_only_message = REGISTER_IS_APPEND_ONLY

    number = models.PositiveIntegerField(_("entry number"), unique=True)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="register_entries")
    entry_type = models.CharField(_("type"), max_length=14, choices=EntryType.choices)
    effective_on = models.DateField(_("date"))
    # Shares in (+) or out (−) of the holder's account; 0 for a refund.
    quantity = models.IntegerField(_("shares"))
    category = models.CharField(_("category"), max_length=1, choices=Category.choices)
    # Nominal value paid in (+) by a subscription, or refunded (−).
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, default=Decimal(0))
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    exit_request = models.ForeignKey(
        ExitRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("share register entry")
        verbose_name_plural = _("share register entries")
        indexes = [models.Index(fields=["member", "effective_on"])]

    def __str__(self) -> str:
        return f"#{self.number} {self.get_entry_type_display()} {self.quantity:+d}"


class ShareCounter(models.Model):
    """One row, locked to number register entries, certificates and the
    structured references of subscriptions without gaps or collisions."""

    last_entry = models.PositiveIntegerField(default=0)
    last_certificate = models.PositiveIntegerField(default=0)
    last_reference = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.last_entry}/{self.last_certificate}"


class Certificate(models.Model):
    """A share certificate issued on request: numbered, dated, and the holding
    it states is frozen here so the same PDF can be produced again."""

    number = models.PositiveIntegerField(_("certificate number"), unique=True)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="certificates")
    issued_on = models.DateField(_("issued on"))
    quantity = models.PositiveIntegerField(_("shares held"))
    holding = models.JSONField(default=list)  # the register lines it lists
    holder_name = models.CharField(max_length=200)
    holder_address = models.CharField(max_length=300)
    language = models.CharField(max_length=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("share certificate")
        verbose_name_plural = _("share certificates")

    def __str__(self) -> str:
        return f"{self.number}"
