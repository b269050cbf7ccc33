"""Checking what members type: quantities, prices, descriptions, VAT and
enterprise numbers (numbers themselves are read by smartcoop.lib.numbers).
Every error is a translatable module constant, so tests assert on them and
the member reads it in their language."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

QUANTITY_NOT_POSITIVE = _("The quantity must be above zero on an invoice.")
PRICE_NEGATIVE = _("A unit price cannot be negative; credit an amount with a credit note.")
VAT_NUMBER_INVALID = _(
    "This is not a valid VAT number: check the country prefix and the digits, like "
    "BE0403019261 or NL004495445B01."
)
ENTERPRISE_NUMBER_INVALID = _(
    "This is not a valid Belgian enterprise number: 10 digits with valid check digits, like "
    "0403.019.261."
)
ENTERPRISE_NUMBER_MISMATCH = _(
    "The Belgian VAT number and the enterprise number must be the same number."
)
PEPPOL_ID_INVALID = _(
    "Write a Peppol participant id as scheme:identifier, such as 0208:0403019261 or "
    "9925:be0403019261."
)

QUANTITY_PLACES = 3
# EN 16931 does not cap the item price's decimals (BT-146); members quote per
# word or per second, so a price takes 4 (decisions.md 10, revised).
PRICE_PLACES = 4
PRICE_TOO_PRECISE = _(
    "A unit price has at most 4 decimals, such as 0,085 or 0,0125; round it to 4 decimals."
)
# The description column's size: a longer one is refused, never cut.
DESCRIPTION_MAX = 300
DESCRIPTION_TOO_LONG = _(
    "A line's description is at most %(maximum)s characters (this one has %(length)s); "
    "shorten it or split it over two lines."
)


def normalise_vat_number(raw: str) -> str:
    """'be 0403.019.261' → 'BE0403019261'; '' stays ''. Checked with
    python-stdnum for every EU country (and the check digits where the
    country has them)."""
    text = (raw or "").strip()
    if not text:
        return ""
    try:
        return str(eu_vat.validate(text)).upper()
    except StdnumError as exc:
        raise ValidationError(VAT_NUMBER_INVALID, code="vat_number") from exc


def normalise_enterprise_number(raw: str) -> str:
    """'0403.019.261' or 'BE 0403 019 261' → '0403019261' (mod-97 checked)."""
    text = (raw or "").strip()
    if not text:
        return ""
    try:
        return str(be_vat.validate(text))
    except StdnumError as exc:
        raise ValidationError(ENTERPRISE_NUMBER_INVALID, code="enterprise_number") from exc


def enterprise_number_is_valid(number: str) -> bool:
    return bool(number) and be_vat.is_valid(number)


def vat_number_is_valid(number: str) -> bool:
    return bool(number) and eu_vat.is_valid(number)


_PEPPOL_ID = re.compile(r"^\d{4}:[A-Za-z0-9.\-_]{1,60}$")


def normalise_peppol_id(raw: str) -> str:
    text = (raw or "").strip()
    if text and not _PEPPOL_ID.match(text):
        raise ValidationError(PEPPOL_ID_INVALID, code="peppol_id")
    return text
