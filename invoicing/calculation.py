"""The arithmetic of an invoice, in one place: the live totals of a draft
and the frozen totals of an issued invoice are computed by these functions
and nothing else.

The EN 16931 model (architecture.md, Rules that keep the data right):

* each line's net amount is quantity × unit price, rounded to the cent
  half up;
* per VAT category and rate, the taxable base is the sum of the rounded
  line nets, and the VAT is base × rate, rounded to the cent (BR-CO-17);
* the invoice totals are sums of those rounded figures (BR-CO-10, -14, -15);
* the cooperative's contribution is the rule's rate on the total excluding
  VAT, rounded to the cent; the member keeps the rest of the net.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from invoicing.catalogue import VAT_BASES
from rules.selectors import rules_on
from rules.values import LocalizedText
from smartcoop.lib.money import CENT, format_money, round_cents

HUNDRED = Decimal(100)

VAT_CATEGORIES = "vat.categories"


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    vat_category: str
    vat_rate: Decimal


@dataclass(frozen=True)
class VatGroup:
    category: str
    rate: Decimal
    base: Decimal
    vat: Decimal

    def as_json(self) -> dict[str, str]:
        return {
            "category": self.category,
            "rate": str(self.rate),
            "base": str(self.base),
            "vat": str(self.vat),
        }


@dataclass(frozen=True)
class Totals:
    line_nets: list[Decimal]
    groups: list[VatGroup]
    net: Decimal
    vat: Decimal
    gross: Decimal
    contribution_rate: Decimal
    contribution: Decimal

    @property
    def member_share(self) -> Decimal:
        return self.net - self.contribution


def line_net(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Quantity × unit price (up to 4 decimals), rounded once, half up, to
    the cent: 1 250 words at €0.085 are €106.25."""
    return round_cents(quantity * unit_price)


def price_places(unit_price: Decimal) -> int:
    """The decimals a price shows: the ones it has, at least 2 (0.0850 → 3)."""
    exponent = unit_price.normalize().as_tuple().exponent
    return max(2, -exponent if isinstance(exponent, int) else 2)


def format_price(unit_price: Decimal, language: str) -> str:
    """A unit price in the language's money format with the decimals it has,
    at least the cents: € 0,085 (nl, fr), €1,234.5678 (en), € 85,00."""
    places = price_places(unit_price)
    exact = unit_price.quantize(Decimal(1).scaleb(-places))
    cents = format_money(exact.quantize(CENT, rounding=ROUND_DOWN), language)
    return cents + f"{abs(exact):f}".partition(".")[2][2:]


def compute_totals(lines: Sequence[LineInput], *, contribution_rate: Decimal) -> Totals:
    nets = [line_net(line.quantity, line.unit_price) for line in lines]
    bases: dict[tuple[str, Decimal], Decimal] = {}
    for line, net in zip(lines, nets, strict=True):
        key = (line.vat_category, line.vat_rate)
        bases[key] = bases.get(key, Decimal("0.00")) + net
    groups = [
        VatGroup(category, rate, base, round_cents(base * rate / HUNDRED))
        for (category, rate), base in sorted(bases.items(), key=lambda kv: (-kv[0][1], kv[0][0]))
    ]
    net = sum(nets, Decimal("0.00"))
    vat = sum((group.vat for group in groups), Decimal("0.00"))
    return Totals(
        line_nets=nets,
        groups=groups,
        net=net,
        vat=vat,
        gross=net + vat,
        contribution_rate=contribution_rate,
        contribution=round_cents(net * contribution_rate / HUNDRED),
    )


def proportional_contribution(
    *,
    credited_net: Decimal,
    invoice_net: Decimal,
    invoice_contribution: Decimal,
    already_reversed: Decimal,
    remaining_net: Decimal,
) -> Decimal:
    """The contribution a credit note gives back: the invoice's contribution
    in proportion to the net credited, and exactly what is left of it when
    the credit note takes the rest of the invoice (so a full credit in
    several steps reverses the contribution to the cent)."""
    left = invoice_contribution - already_reversed
    if credited_net == remaining_net:
        return left
    if invoice_net == 0:
        return Decimal("0.00")
    # Rounding each step may give back a cent ahead; never more than is left.
    return max(
        Decimal("0.00"), min(round_cents(invoice_contribution * credited_net / invoice_net), left)
    )


@dataclass(frozen=True)
class CreditLineInput:
    """A line of a credit note: what it credits of one invoice line. When it
    takes the rest of that line, `rest_of_line_net` is what remains of the
    line's net, and the note's line gets exactly that (so crediting a line
    in steps never credits a cent more or less than it was)."""

    quantity: Decimal
    unit_price: Decimal
    vat_category: str
    vat_rate: Decimal
    rest_of_line_net: Decimal | None = None


def credit_totals(
    lines: Sequence[CreditLineInput],
    *,
    contribution_rate: Decimal,
    rest_of_vat: dict[tuple[str, Decimal], Decimal] | None = None,
) -> Totals:
    """The totals of a credit note, computed like an invoice's, except that a
    line taking the rest of an invoice line takes exactly its remaining net,
    and a note that takes the rest of the invoice (`rest_of_vat`: the VAT left
    per category and rate) takes exactly the VAT that remains, so several
    credit notes add up to the invoice to the cent."""
    nets = [
        line.rest_of_line_net
        if line.rest_of_line_net is not None
        else line_net(line.quantity, line.unit_price)
        for line in lines
    ]
    bases: dict[tuple[str, Decimal], Decimal] = {}
    for line, net in zip(lines, nets, strict=True):
        key = (line.vat_category, line.vat_rate)
        bases[key] = bases.get(key, Decimal("0.00")) + net
    groups = [
        VatGroup(
            category,
            rate,
            base,
            rest_of_vat[(category, rate)]
            if rest_of_vat is not None
            else round_cents(base * rate / HUNDRED),
        )
        for (category, rate), base in sorted(bases.items(), key=lambda kv: (-kv[0][1], kv[0][0]))
    ]
    net = sum(nets, Decimal("0.00"))
    vat = sum((group.vat for group in groups), Decimal("0.00"))
    return Totals(
        line_nets=nets,
        groups=groups,
        net=net,
        vat=vat,
        gross=net + vat,
        contribution_rate=contribution_rate,
        contribution=round_cents(net * contribution_rate / HUNDRED),
    )


# --- VAT options from the rules ----------------------------------------------------------


# The categories a line takes only on a legal basis (invoicing.vat_bases).
BASIS_CATEGORIES = frozenset({"E", "AE", "K", "G", "O"})


@dataclass(frozen=True)
class Conditions:
    """When a legal basis holds (invoicing/catalogue.py, its vocabulary)."""

    client_location: str = "any"
    client_vat_number: bool = False
    client_sectors: tuple[str, ...] = ()
    activity_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class VatOption:
    """One choice of the VAT select on a line: a category with one rate, or
    (without Belgian VAT) a legal basis of that category with its conditions."""

    category: str
    rate: Decimal
    name: LocalizedText
    mention: LocalizedText | None
    vatex_code: str | None
    rule_keys: tuple[str, ...] = field(default=())
    basis: str = ""
    conditions: Conditions | None = None

    @property
    def code(self) -> str:
        """ "S:21" for a rate, "AE:eu_services" for a legal basis."""
        if self.basis:
            return f"{self.category}:{self.basis}"
        return f"{self.category}:{self.rate.normalize():f}"

    def label(self, language: str | None = None) -> str:
        if self.basis:
            return self.name.get(language)
        if self.category == "S":
            return f"{self.rate.normalize():f} %"
        if self.category == "Z":
            return f"0 % ({self.name.get(language)})"
        return self.name.get(language)


def vat_options(on: datetime.date) -> tuple[list[VatOption], dict[str, int]]:
    """The VAT choices valid on `on` (the date of supply), in the order they
    are offered, and the rule versions that supplied them: the rates of the
    categories S and Z, then one option per legal basis (invoicing.vat_bases)
    for the categories without Belgian VAT."""
    categories_rule = rules_on([VAT_CATEGORIES, VAT_BASES], on=on)
    categories: dict[str, Any] = categories_rule.value(VAT_CATEGORIES)
    rate_keys = sorted({key for spec in categories.values() for key in spec["rate_keys"]})
    rates = rules_on(rate_keys, on=on) if rate_keys else None
    provenance = categories_rule.provenance() | (rates.provenance() if rates else {})
    options: list[VatOption] = []
    for code, spec in categories.items():
        if code in BASIS_CATEGORIES:
            continue  # offered through its legal bases, below
        name = LocalizedText(**spec["name"])
        mention = LocalizedText(**spec["mention"]) if spec.get("mention") else None
        if spec["rate_keys"]:
            assert rates is not None
            values = sorted({rates.value(key) for key in spec["rate_keys"]}, reverse=True)
        else:
            values = [Decimal(spec["rate"]) if spec["rate"] is not None else Decimal(0)]
        for rate in values:
            options.append(
                VatOption(
                    code,
                    Decimal(rate).quantize(Decimal("0.01")),
                    name,
                    mention,
                    spec.get("vatex_code"),
                    tuple(spec["rate_keys"]),
                )
            )
    for basis, spec in categories_rule.value(VAT_BASES).items():
        conditions = spec["conditions"]
        options.append(
            VatOption(
                spec["category"],
                Decimal("0.00"),
                LocalizedText(**spec["name"]),
                LocalizedText(**spec["mention"]),
                spec["vatex_code"],
                basis=basis,
                conditions=Conditions(
                    conditions["client_location"],
                    conditions["client_vat_number"],
                    tuple(conditions["client_sectors"]),
                    tuple(conditions["activity_kinds"]),
                ),
            )
        )
    order = {"S": 0, "Z": 1, "E": 2, "AE": 3, "K": 4, "G": 5, "O": 6}
    options.sort(key=lambda o: (order.get(o.category, 9), -o.rate))
    return options, provenance


def vat_option_for(code: str, options: Iterable[VatOption]) -> VatOption | None:
    """The option with this code ("S:21", "AE:eu_services"), or None when it
    is unknown or not valid on the date the options were read for."""
    category, _sep, rest = code.partition(":")
    if category in BASIS_CATEGORIES:
        return next((o for o in options if o.category == category and o.basis == rest), None)
    try:
        wanted = Decimal(rest).quantize(Decimal("0.01"))
    except ArithmeticError:
        return None
    for option in options:
        if option.category == category and option.rate == wanted and not option.basis:
            return option
    return None


def options_of(lines: Iterable[Any], options: Sequence[VatOption]) -> list[VatOption]:
    """The VAT options of issued lines, once each: by their code, and for a
    line issued before the legal bases (no basis), the first option of its
    category and rate, as it printed then."""
    by_code = {option.code: option for option in options}
    used: dict[str, VatOption] = {}
    for line in lines:
        option = by_code.get(line.vat_code) or next(
            (o for o in options if (o.category, o.rate) == (line.vat_category, line.vat_rate)),
            None,
        )
        if option is not None:
            used.setdefault(option.code, option)
    return list(used.values())
