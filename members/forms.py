from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from members import services, validators
from members.models import (
    ARTIST_CERTIFICATE_FIELDS,
    ArtistCertificateType,
    ConsentKind,
    Language,
    Member,
    artist_certificate_errors,
)
from smartcoop.lib.forms import add_service_errors


class ConsentForm(forms.Form):
    """The three documents a member accepts on joining and when buying shares
    (domain.md, Members); each box must be ticked."""

    accept_internal_rules = forms.BooleanField(
        label=_("I accept the internal rules of the cooperative.")
    )
    accept_data_policy = forms.BooleanField(label=_("I accept the data protection policy."))
    accept_financial_risk = forms.BooleanField(
        label=_(
            "I have read the financial-risk notice: shares can lose value and are "
            "refunded at most at their nominal value."
        )
    )


class SignupForm(ConsentForm):
    """Extra fields on allauth's sign-up form: who you are and what you accept."""

    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=200,
        help_text=_("As on your identity card; it is printed on your invoices."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)

    # allauth builds its sign-up form on top of this one; who you are first,
    # then the password, then what you accept.
    field_order = [
        "email",
        "legal_name",
        "language",
        "password1",
        "password2",
        "accept_internal_rules",
        "accept_data_policy",
        "accept_financial_risk",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)
        current = (get_language() or "nl")[:2]
        if current in Language.values:
            self.fields["language"].initial = current

    def signup(self, request: HttpRequest, user: Any) -> None:
        services.member_create(
            user=user,
            legal_name=self.cleaned_data["legal_name"],
            language=self.cleaned_data["language"],
            accepted=[
                ConsentKind.INTERNAL_RULES,
                ConsentKind.DATA_POLICY,
                ConsentKind.FINANCIAL_RISK,
            ],
            acting_user=user,
        )


class MemberFieldsCleanMixin(forms.Form):
    """Canonical Belgian identifiers, shared by the member's and staff's forms.

    The fields are wider than the stored values so that formatted input
    ("BE68 5390 0754 7034", "0403.019.261") reaches the validators.
    """

    iban = forms.CharField(
        label=_("IBAN"),
        max_length=50,
        required=False,
        help_text=_("The account your pay and refunds go to."),
        widget=forms.TextInput(attrs={"placeholder": "BE68 5390 0754 7034"}),
    )
    enterprise_number = forms.CharField(
        label=_("Enterprise number"),
        max_length=20,
        required=False,
        help_text=_("Only if you also run a business of your own."),
        widget=forms.TextInput(attrs={"placeholder": "0403.019.261"}),
    )

    def clean_iban(self) -> str:
        value = self.cleaned_data["iban"]
        return validators.clean_iban(value) if value else ""

    def clean_enterprise_number(self) -> str:
        value = self.cleaned_data["enterprise_number"]
        return validators.clean_enterprise_number(value) if value else ""

    def clean_country(self) -> str:
        value = (self.cleaned_data["country"] or "").strip().upper()
        if len(value) != 2 or not value.isalpha():
            raise ValidationError(_("Use a two-letter ISO country code, like BE."))
        return value

    def clean_birth_date(self) -> Any:
        value = self.cleaned_data["birth_date"]
        return validators.clean_birth_date(value) if value else None


class ProfileForm(MemberFieldsCleanMixin, forms.ModelForm):
    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=200,
        help_text=_("A change of legal name is checked by staff before it applies."),
    )
    national_number = forms.CharField(
        label=_("National register number"),
        required=False,
        max_length=20,
        help_text=_(
            "Only needed for payroll declarations. Stored encrypted; "
            "leave empty to keep the number on file."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    class Meta:
        model = Member
        fields = services.PROFILE_FIELDS + ARTIST_CERTIFICATE_FIELDS
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "artist_certificate_number": forms.TextInput(attrs={"autocomplete": "off"}),
            "artist_certificate_valid_from": forms.DateInput(
                attrs={"type": "date"}, format="%Y-%m-%d"
            ),
            "artist_certificate_valid_until": forms.DateInput(
                attrs={"type": "date"}, format="%Y-%m-%d"
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["legal_name"].initial = self.instance.legal_name
        self.fields["iban"].initial = validators.format_iban(self.instance.iban)
        kind = self.fields["artist_certificate_type"]
        kind.choices = [("", _("No certificate")), *ArtistCertificateType.choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        number = cleaned.get("national_number")
        if number:
            try:
                cleaned["national_number"] = validators.clean_national_number(
                    number, cleaned.get("birth_date") or self.instance.birth_date
                )
            except ValidationError as exc:
                self.add_error("national_number", exc)
        certificate = artist_certificate_errors(
            kind=cleaned.get("artist_certificate_type") or "",
            number=(cleaned.get("artist_certificate_number") or "").strip(),
            valid_from=cleaned.get("artist_certificate_valid_from"),
            valid_until=cleaned.get("artist_certificate_valid_until"),
        )
        for field, error in certificate.items():
            if field not in self.errors:  # a date that did not parse says so already
                self.add_error(field, error)
        return cleaned

    def _post_clean(self) -> None:
        # The service saves; the form only validates, so the instance must
        # not be changed by ModelForm here.
        pass

    def save_with(self, *, acting_user: Any) -> Member:
        values = {f: self.cleaned_data.get(f) for f in services.PROFILE_FIELDS}
        certificate = {f: self.cleaned_data.get(f) for f in ARTIST_CERTIFICATE_FIELDS}
        try:
            with transaction.atomic():
                member = services.member_profile_update(
                    member=self.instance,
                    acting_user=acting_user,
                    values=values,
                    legal_name=self.cleaned_data.get("legal_name"),
                    national_number=self.cleaned_data.get("national_number") or None,
                )
                return services.member_artist_certificate_set(
                    member=member, acting_user=acting_user, values=certificate
                )
        except ValidationError as exc:
            add_service_errors(self, exc)
            raise
