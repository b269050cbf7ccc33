"""Which VAT options a line may take for a client and an activity (issue 22).

A line at a Belgian rate (S, Z) may go to anyone. A line without Belgian VAT
takes a legal basis of the rule `invoicing.vat_bases` (invoicing/catalogue.py),
and each basis holds only under its conditions: where the client is, whether
it has a VAT number valid in form for its country, the client's sector and
the activity's kind. The draft offers only the options whose conditions hold;
saving and issuing check them again, and each refusal names the condition
(docs/rules.md, "VAT bases").
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _
from django_countries import countries
from stdnum.eu import vat as eu_vat

from invoicing.calculation import VatOption
from invoicing.en16931 import EU_COUNTRIES
from invoicing.models import Activity, ActivityKind, Client, ClientSector

NEEDS_CLIENT_IN_BELGIUM = _(
    "“%(option)s” is only for a client in Belgium; this client is in %(country)s."
)
NEEDS_CLIENT_IN_OTHER_EU_STATE = _(
    "“%(option)s” is only for a client in another EU member state than Belgium; this client is "
    "in %(country)s."
)
NEEDS_CLIENT_OUTSIDE_EU = _(
    "“%(option)s” is only for a client outside the European Union; this client is in %(country)s."
)
NEEDS_VAT_NUMBER = _(
    "“%(option)s” needs the client's VAT number, valid in form for %(country)s; add or correct "
    "it on the client's page."
)
NEEDS_SECTOR = _(
    "“%(option)s” is only for a client who is: %(sectors)s. Set the client's sector on the "
    "client's page if it is one of these."
)
NEEDS_ACTIVITY_KIND = _(
    "“%(option)s” is only for an activity of type: %(kinds)s. The activity “%(activity)s” is "
    "of type “%(kind)s”."
)
ONE_BASIS_PER_CATEGORY = _(
    "Two lines of VAT category %(category)s have different legal bases (“%(first)s” and "
    "“%(second)s”); an invoice gives one basis per category: put them on separate invoices."
)


class Problem:
    """A condition's message and its parameters, translated when shown."""

    def __init__(self, message: Any, **params: Any) -> None:
        self.message, self.params = message, params

    def __str__(self) -> str:
        return str(self.message) % {key: str(value) for key, value in self.params.items()}


def client_location(country: str) -> str:
    """ "belgium", "eu_other" or "non_eu" (the catalogue's vocabulary)."""
    country = country.upper()
    if country == "BE":
        return "belgium"
    return "eu_other" if country in EU_COUNTRIES else "non_eu"


def vat_number_fits(client: Client) -> bool:
    """The client has a VAT number valid in form (python-stdnum, check digits
    where the country has them) for its own country (Greece writes EL)."""
    number, country = client.vat_number.upper(), str(client.country).upper()
    prefix = "EL" if country == "GR" else country
    return bool(number) and number[:2] == prefix and bool(eu_vat.is_valid(number))


def unmet_conditions(
    option: VatOption, *, client: Client | None, activity: Activity | None
) -> list[Problem]:
    """The conditions of `option` that `client` and `activity` do not meet,
    each as a message naming it (an unknown client or activity: not checked)."""
    conditions = option.conditions
    if conditions is None:
        return []
    name = option.name
    found: list[Problem] = []
    if client is not None:
        country = str(client.country).upper()
        country_name = countries.name(country) if country else "?"
        where = client_location(country)
        wanted = conditions.client_location
        if wanted == "belgium" and where != "belgium":
            found.append(Problem(NEEDS_CLIENT_IN_BELGIUM, option=name, country=country_name))
        elif wanted == "eu_other" and where != "eu_other":
            found.append(Problem(NEEDS_CLIENT_IN_OTHER_EU_STATE, option=name, country=country_name))
        elif wanted == "non_eu" and where != "non_eu":
            found.append(Problem(NEEDS_CLIENT_OUTSIDE_EU, option=name, country=country_name))
        if conditions.client_vat_number and not vat_number_fits(client):
            found.append(Problem(NEEDS_VAT_NUMBER, option=name, country=country_name))
        if conditions.client_sectors and client.sector not in conditions.client_sectors:
            sectors = _names(ClientSector, conditions.client_sectors)
            found.append(Problem(NEEDS_SECTOR, option=name, sectors=sectors))
    kinds = conditions.activity_kinds
    if activity is not None and kinds and activity.kind not in kinds:
        found.append(
            Problem(
                NEEDS_ACTIVITY_KIND,
                option=name,
                kinds=_names(ActivityKind, kinds),
                activity=activity.name,
                kind=_label(ActivityKind, activity.kind),
            )
        )
    return found


def offered(
    options: Iterable[VatOption],
    *,
    client: Client | None,
    activity: Activity | None,
    keep: Iterable[str] = (),
) -> list[VatOption]:
    """The options whose conditions hold for `client` and `activity`, and the
    ones coded in `keep` (what the rows already hold: shown, then refused with
    the condition they miss)."""
    kept = set(keep)
    return [
        option
        for option in options
        if option.code in kept or not unmet_conditions(option, client=client, activity=activity)
    ]


def mixed_bases(options: Sequence[VatOption]) -> list[Problem]:
    """Two bases of one category on one invoice: the e-invoice has one
    exemption reason per category (EN 16931 BR-CO-18 groups by category and
    rate), so they cannot share it."""
    first: dict[str, VatOption] = {}
    found: list[Problem] = []
    for option in options:
        if not option.basis:
            continue
        seen = first.setdefault(option.category, option)
        if seen.basis != option.basis and not any(
            p.params.get("category") == option.category for p in found
        ):
            found.append(
                Problem(
                    ONE_BASIS_PER_CATEGORY,
                    category=option.category,
                    first=seen.name,
                    second=option.name,
                )
            )
    return found


class _Joined:
    """Choice labels joined with commas, translated when shown."""

    def __init__(self, labels: list[Any]) -> None:
        self.labels = labels

    def __str__(self) -> str:
        return ", ".join(str(label).lower() for label in self.labels)


def _names(choices: Any, values: Iterable[str]) -> _Joined:
    return _Joined([_label(choices, value) for value in values])


def _label(choices: Any, value: str) -> Any:
    return dict(choices.choices).get(value, value)
