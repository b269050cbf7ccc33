"""Members: the person behind each account, their membership status, consents
and the access log of their national register number (domain.md, Members)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rules.fields import RuleProvenanceField


class Language(models.TextChoices):
    NL = "nl", "Nederlands"
    FR = "fr", "Français"
    EN = "en", "English"


class Category(models.TextChoices):
    A = "A", _("A: user of the services")
    B = "B", _("B: permanent staff")
    C = "C", _("C: partner")


class Status(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    MEMBER = "member", _("Member")
    RESIGNED = "resigned", _("Resigned")
    EXCLUDED = "excluded", _("Excluded")


# The only moves a membership may make (style.md, item 6). A member becomes a
# member when their first share is paid; resigned or excluded people may come
# back by paying a new share.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.APPLICANT: frozenset({Status.MEMBER, Status.RESIGNED}),
    # Back to applicant only when the payment that made them a member is
    # reversed as a mistake (shares.services.register_entry_reverse).
    Status.MEMBER: frozenset({Status.RESIGNED, Status.EXCLUDED, Status.APPLICANT}),
    Status.RESIGNED: frozenset({Status.MEMBER}),
    Status.EXCLUDED: frozenset({Status.MEMBER}),
}


class ArtistCertificateType(models.TextChoices):
    """The artist work certificate (domain.md, Compliance) that the Kunstwerkcommissie /
    Commission du travail des arts has issued since 1 January 2024, replacing the
    artist visa (kunstenaarsvisum / visa artiste). It gives access to the artists'
    social-security arrangements (the art. 1bis scheme of the law of 27 June 1969);
    the commission grants the most favourable type the file supports."""

    # nl: (gewoon) kunstwerkattest; fr: attestation du travail des arts (ordinaire).
    # Valid 5 years (artist visas converted on 1/1/2024: the visa's term, at least 2 years).
    ORDINARY = "ordinary", _("Artist work certificate")
    # nl: kunstwerkattest "plus"; fr: attestation du travail des arts « plus ».
    # Valid 5 years; also opens the kunstwerkuitkering / allocation du travail des arts.
    PLUS = "plus", _("Artist work certificate “plus”")
    # nl: kunstwerkattest "starter"; fr: attestation du travail des arts « starter ».
    # Valid 3 years, granted once to a starting artist who cannot yet get a "plus".
    STARTER = "starter", _("Artist work certificate “starter”")


# The certificate's columns on Member, in the order forms show them.
ARTIST_CERTIFICATE_FIELDS = (
    "artist_certificate_type",
    "artist_certificate_number",
    "artist_certificate_valid_from",
    "artist_certificate_valid_until",
)

CERTIFICATE_TYPE_REQUIRED = _(
    "Choose the type of certificate, or leave its number and dates empty."
)
CERTIFICATE_FROM_REQUIRED = _("Enter the date from which the certificate is valid.")
CERTIFICATE_UNTIL_REQUIRED = _("Enter the date until which the certificate is valid.")
CERTIFICATE_DATES_ORDER = _(
    "The certificate must end after it starts: enter a date after %(valid_from)s."
)


def artist_certificate_errors(
    *,
    kind: str,
    number: str,
    valid_from: datetime.date | None,
    valid_until: datetime.date | None,
) -> dict[str, ValidationError]:
    """What is wrong with an artist work certificate as entered, by field: a type
    needs both dates, dates or a number need a type, and it ends after it starts.
    Member.clean() and the member's profile form both use it; the database
    constraints on Member say the same."""
    errors: dict[str, ValidationError] = {}
    if kind:
        if valid_from is None:
            errors["artist_certificate_valid_from"] = ValidationError(
                CERTIFICATE_FROM_REQUIRED, code="required"
            )
        if valid_until is None:
            errors["artist_certificate_valid_until"] = ValidationError(
                CERTIFICATE_UNTIL_REQUIRED, code="required"
            )
    elif number or valid_from is not None or valid_until is not None:
        errors["artist_certificate_type"] = ValidationError(
            CERTIFICATE_TYPE_REQUIRED, code="required"
        )
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        errors["artist_certificate_valid_until"] = ValidationError(
            CERTIFICATE_DATES_ORDER,
            code="dates_order",
            params={"valid_from": f"{valid_from:%d/%m/%Y}"},
        )
    return errors


class Member(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="member"
    )
    member_number = models.PositiveIntegerField(_("member number"), unique=True)
    legal_name = models.CharField(_("legal name"), max_length=200)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(
        _("country"),
        max_length=2,
        default="BE",
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use a two-letter ISO country code."))],
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.NL
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    enterprise_number = models.CharField(
        _("enterprise number"),
        max_length=10,
        blank=True,
        help_text=_("Stored as 10 digits, like 0403019261."),
    )
    category = models.CharField(
        _("category"), max_length=1, choices=Category.choices, default=Category.A
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.APPLICANT
    )
    # The artist work certificate, for members who invoice artistic activities; the
    # nightly check artists.certificate reports one missing or about to end.
    artist_certificate_type = models.CharField(
        _("artist work certificate"),
        max_length=10,
        blank=True,
        choices=ArtistCertificateType.choices,
        help_text=_(
            "The kunstwerkattest / attestation du travail des arts, if you have one; "
            "the cooperative asks for it for artistic activities."
        ),
    )
    artist_certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True)
    artist_certificate_valid_from = models.DateField(
        _("certificate valid from"), null=True, blank=True
    )
    artist_certificate_valid_until = models.DateField(
        _("certificate valid until"),
        null=True,
        blank=True,
        help_text=_("The last day the certificate is valid."),
    )
    # Fernet token; never shown, searched or used as a key (domain.md).
    national_number_encrypted = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["national_number_encrypted", "updated_at"])

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["member_number"]
        permissions = [
            ("view_national_number", _("Can see national register numbers (every read is logged)")),
        ]
        indexes = [
            models.Index(fields=["status", "category"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]), name="member_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=[c.value for c in Category]), name="member_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    artist_certificate_type__in=["", *(t.value for t in ArtistCertificateType)]
                ),
                name="member_artist_certificate_type_valid",
            ),
            # A certificate has a type and both dates; no certificate leaves all four empty.
            models.CheckConstraint(
                condition=Q(
                    artist_certificate_type="",
                    artist_certificate_number="",
                    artist_certificate_valid_from__isnull=True,
                    artist_certificate_valid_until__isnull=True,
                )
                | (
                    ~Q(artist_certificate_type="")
                    & Q(
                        artist_certificate_valid_from__isnull=False,
                        artist_certificate_valid_until__isnull=False,
                    )
                ),
                name="member_artist_certificate_complete",
            ),
            models.CheckConstraint(
                condition=Q(artist_certificate_valid_from__isnull=True)
                | Q(artist_certificate_valid_until__isnull=True)
                | Q(artist_certificate_valid_until__gt=F("artist_certificate_valid_from")),
                name="member_artist_certificate_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_number} {self.legal_name}"

    def clean(self) -> None:
        super().clean()
        errors = artist_certificate_errors(
            kind=self.artist_certificate_type,
            number=self.artist_certificate_number,
            valid_from=self.artist_certificate_valid_from,
            valid_until=self.artist_certificate_valid_until,
        )
        if errors:
            raise ValidationError(errors)

    @property
    def has_artist_certificate(self) -> bool:
        return bool(self.artist_certificate_type)

    @property
    def has_national_number(self) -> bool:
        return bool(self.national_number_encrypted)

    @property
    def address_lines(self) -> list[str]:
        return [line for line in [self.street, f"{self.postal_code} {self.city}".strip()] if line]


class MemberNumberCounter(models.Model):
    """One row; locked to hand out member numbers without gaps or races."""

    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.last_number)


class StatusChange(models.Model):
    """Every move of a membership status, with who moved it and why."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=Status.choices)
    to_status = models.CharField(max_length=10, choices=Status.choices)
    changed_at = models.DateTimeField(auto_now_add=True)
    # The date the new status counts from (a membership starts on the day the
    # first share was paid, which may be before it was booked).
    effective_on = models.DateField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class ConsentKind(models.TextChoices):
    INTERNAL_RULES = "internal_rules", _("Internal rules")
    DATA_POLICY = "data_policy", _("Data protection policy")
    FINANCIAL_RISK = "financial_risk", _("Financial-risk notice")


class Consent(models.Model):
    """A member's acceptance of one version of a document; append-only."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    version = models.CharField(max_length=20)
    accepted_at = models.DateTimeField()
    # Which version of the rule members.consent_document_versions named it.
    rules_used = RuleProvenanceField()

    class Meta:
        ordering = ["accepted_at", "pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "version"], name="consent_once_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.version}"


class NationalNumberAccess(models.Model):
    """Every read of a national register number: who, whose, when and why."""

    class Purpose(models.TextChoices):
        ADMIN_VIEW = "admin_view", _("Shown in the back office")
        DATA_EXPORT = "data_export", _("Member's own data export")
        PAYROLL = "payroll", _("Payroll declaration")

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    accessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    accessed_at = models.DateTimeField(auto_now_add=True)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)

    class Meta:
        ordering = ["-accessed_at", "-pk"]
        verbose_name = _("national number access")
        verbose_name_plural = _("national number accesses")

    def __str__(self) -> str:
        return f"{self.accessed_at:%Y-%m-%d %H:%M} {self.purpose}"


class LegalNameChange(models.Model):
    """A member's request to change their legal name, decided by staff."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="name_changes")
    old_name = models.CharField(max_length=200)
    new_name = models.CharField(max_length=200)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.CharField(max_length=300, blank=True)
    # Set once the member has been told of the decision (the task is idempotent).
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("legal name change")
        verbose_name_plural = _("legal name changes")
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(state="pending"),
                name="one_pending_name_change_per_member",
            )
        ]

    def __str__(self) -> str:
        return f"{self.old_name} → {self.new_name}"
