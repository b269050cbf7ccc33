"""The EN 16931 / Peppol BIS business rules that issuing checks itself, so a
draft that would give an e-invoice the access points reject is refused
before it gets a number, with a message naming the problem and the rule.

The official rule files remain the judge (invoicing/peppol.py, the tests and
the admin validate stored documents with them); these checks cover what the
platform's own data can get wrong: the cooperative's identity in settings,
a client's enterprise number edited outside the forms, VAT categories mixed
in ways the rules forbid, and a client whose country does not fit the
category.
"""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from stdnum.be import vat as be_vat

EU_COUNTRIES = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    }
)
ZERO_RATE_CATEGORIES = frozenset({"Z", "E", "AE", "K", "G", "O"})

SELLER_INCOMPLETE = _(
    "The cooperative's own details are incomplete or invalid (%(what)s); an e-invoice needs "
    "them (EN 16931 BR-6, BR-9, PEPPOL-COMMON-R043). Staff must correct the settings."
)
BUYER_ENTERPRISE_NUMBER = _(
    "The client's enterprise number %(number)s fails its check digits; Peppol refuses it "
    "(PEPPOL-COMMON-R043). Correct it on the client's page."
)
NOT_SUBJECT_MIXED = _(
    "A line “not subject to VAT” (category O) cannot share an invoice with other VAT "
    "categories (EN 16931 BR-O-11): issue it on a separate invoice."
)
STANDARD_RATE_ZERO = _(
    "A line at the standard category has a 0 %% rate; the e-invoice rules require a rate "
    "above zero (EN 16931 BR-S-05)."
)
ZERO_CATEGORY_RATE = _(
    "A line of category %(category)s has a rate above zero; that category is always 0 %% "
    "(EN 16931 BR-%(category)s-05)."
)
INTRA_EU_NEEDS_EU_CLIENT = _(
    "An intra-community supply (category K) needs a client in another EU member state "
    "(EN 16931 BR-IC-02, BR-IC-03)."
)
EXPORT_NEEDS_NON_EU_CLIENT = _("An export (category G) needs a client outside the European Union.")


def _valid_enterprise_number(number: str) -> bool:
    digits = "".join(ch for ch in number if ch.isdigit())
    return len(digits) == 10 and bool(be_vat.is_valid(digits))


def seller_problems() -> list[Any]:
    missing = []
    if not settings.COOPERATIVE_NAME.strip():
        missing.append("COOPERATIVE_NAME")
    if not settings.COOPERATIVE_ADDRESS.strip():
        missing.append("COOPERATIVE_ADDRESS")
    if not _valid_enterprise_number(settings.COOPERATIVE_ENTERPRISE_NUMBER):
        missing.append("COOPERATIVE_ENTERPRISE_NUMBER")
    if not settings.COOPERATIVE_IBAN.strip():
        missing.append("COOPERATIVE_IBAN")
    register = getattr(settings, "COOPERATIVE_REGISTER", {})
    if any(not str(register.get(language, "")).strip() for language in ("nl", "fr", "en")):
        missing.append("COOPERATIVE_REGISTER")
    if missing:
        return [_Formatted(SELLER_INCOMPLETE, what=", ".join(missing))]
    return []


def problems(*, client: Any, lines: Iterable[Any]) -> list[Any]:
    """What the e-invoice rules would refuse in a draft to `client` with
    `lines` (objects with vat_category and vat_rate)."""
    found: list[Any] = seller_problems()
    country = str(client.country).upper()
    number = client.enterprise_number
    if country == "BE" and number and not _valid_enterprise_number(number):
        found.append(_Formatted(BUYER_ENTERPRISE_NUMBER, number=number))
    lines = list(lines)
    categories = {line.vat_category for line in lines}
    if "O" in categories and len(categories) > 1:
        found.append(NOT_SUBJECT_MIXED)
    if any(line.vat_category == "S" and line.vat_rate <= 0 for line in lines):
        found.append(_Formatted(STANDARD_RATE_ZERO))
    for category in sorted(categories & ZERO_RATE_CATEGORIES):
        if any(line.vat_category == category and line.vat_rate != 0 for line in lines):
            rule = "IC" if category == "K" else category
            found.append(_Formatted(ZERO_CATEGORY_RATE, category=rule))
    if "K" in categories and (country == "BE" or country not in EU_COUNTRIES):
        found.append(INTRA_EU_NEEDS_EU_CLIENT)
    if "G" in categories and country in EU_COUNTRIES:
        found.append(EXPORT_NEEDS_NON_EU_CLIENT)
    return found


SUMS_DISAGREE = _(
    "The invoice's totals do not add up (%(rule)s); nothing was issued. Please tell member "
    "services."
)


def sum_problems(
    *,
    line_nets: Iterable[Any],
    total_net: Any,
    total_vat: Any,
    total_gross: Any,
    breakdown: Iterable[dict[str, Any]],
) -> list[Any]:
    """The EN 16931 sum rules on the figures about to be issued: the net is the
    sum of the lines (BR-CO-10), the VAT the sum of the breakdown (BR-CO-14),
    each category's base the sum of its lines (BR-CO-13 via the breakdown
    total), and the gross the net plus the VAT (BR-CO-15)."""
    from decimal import Decimal

    found: list[Any] = []
    groups = list(breakdown)
    if sum((Decimal(n) for n in line_nets), Decimal(0)) != Decimal(total_net):
        found.append(_Formatted(SUMS_DISAGREE, rule="BR-CO-10"))
    if sum((Decimal(g["base"]) for g in groups), Decimal(0)) != Decimal(total_net):
        found.append(_Formatted(SUMS_DISAGREE, rule="BR-CO-13"))
    if sum((Decimal(g["vat"]) for g in groups), Decimal(0)) != Decimal(total_vat):
        found.append(_Formatted(SUMS_DISAGREE, rule="BR-CO-14"))
    if Decimal(total_net) + Decimal(total_vat) != Decimal(total_gross):
        found.append(_Formatted(SUMS_DISAGREE, rule="BR-CO-15"))
    return found


class _Formatted:
    """A message and its parameters, translated when shown."""

    def __init__(self, message: Any, **params: Any) -> None:
        self.message, self.params = message, params

    def __str__(self) -> str:
        return str(self.message) % self.params
