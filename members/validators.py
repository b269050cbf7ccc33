"""Validation of Belgian identifiers, with messages the member can act on.

Each function returns the canonical form or raises ValidationError with a
message in the active language; forms and services share them.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.be import nn, vat
from stdnum.exceptions import ValidationError as StdnumError

INVALID_IBAN = _("This is not a valid IBAN. Expected an IBAN like BE68 5390 0754 7034.")
INVALID_NATIONAL_NUMBER = _(
    "This is not a valid national register number. Expected 11 digits like 85.07.30-033.28."
)
NATIONAL_NUMBER_BIRTH_DATE_MISMATCH = _(
    "This national register number does not match the birth date."
)
INVALID_ENTERPRISE_NUMBER = _(
    "This is not a valid Belgian enterprise number. Expected 10 digits like 0403.019.261."
)
BIRTH_DATE_IN_FUTURE = _("The birth date cannot be in the future.")
BIRTH_DATE_TOO_OLD = _("Please check the birth date: it is more than 120 years ago.")


def clean_iban(value: str) -> str:
    try:
        return str(IBAN(value).compact)
    except (SchwiftyException, ValueError) as exc:
        raise ValidationError(INVALID_IBAN, code="invalid_iban") from exc


def format_iban(value: str) -> str:
    return str(IBAN(value).formatted) if value else ""


def clean_national_number(value: str, birth_date: datetime.date | None = None) -> str:
    try:
        number = str(nn.validate(value))
    except StdnumError as exc:
        raise ValidationError(INVALID_NATIONAL_NUMBER, code="invalid_national_number") from exc
    if birth_date is not None:
        try:
            encoded = nn.get_birth_date(number)
        except StdnumError:
            encoded = None  # numbers with an incomplete birth date encode none
        if encoded is not None and encoded != birth_date:
            raise ValidationError(NATIONAL_NUMBER_BIRTH_DATE_MISMATCH, code="nn_birth_date")
    return number


def clean_enterprise_number(value: str) -> str:
    try:
        return str(vat.validate(value))
    except StdnumError as exc:
        raise ValidationError(INVALID_ENTERPRISE_NUMBER, code="invalid_enterprise_number") from exc


def format_enterprise_number(value: str) -> str:
    return f"{value[:4]}.{value[4:7]}.{value[7:]}" if len(value) == 10 else value


def clean_birth_date(value: datetime.date) -> datetime.date:
    today = timezone.localdate()
    if value > today:
        raise ValidationError(BIRTH_DATE_IN_FUTURE, code="birth_date_future")
    if value < datetime.date(today.year - 120, 1, 1):
        raise ValidationError(BIRTH_DATE_TOO_OLD, code="birth_date_too_old")
    return value
